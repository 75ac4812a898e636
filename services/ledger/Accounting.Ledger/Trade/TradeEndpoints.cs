using Accounting.Ledger.Endpoints;
using Accounting.Ledger.Posting;
using Accounting.Postgres;
using Accounting.ServiceDefaults.Errors;
using Accounting.ServiceDefaults.Http;
using Accounting.ServiceDefaults.Identity;
using FluentValidation;
using Npgsql;

namespace Accounting.Ledger.Trade;

public sealed class PaymentValidator : AbstractValidator<PaymentRequest>
{
    public PaymentValidator()
    {
        RuleLevelCascadeMode = CascadeMode.Stop;
        // Decimals are checked against the document's currency once it is loaded.
        RuleFor(r => r.Amount).NotNull().PositiveAmount(_ => null);
        RuleFor(r => r.Date).PlausibleDate();
        RuleFor(r => r.BankAccountId).MaximumLength(64);
    }
}

/// <summary>The HTTP side shared by invoices and bills: load, list, PATCH a draft, post, pay.</summary>
internal static class TradeEndpoints
{
    public static async Task<IResult> List(TradeKind kind, HttpRequest request, Caller caller, PageRequest page, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        var filters = new QueryFilters(request, "status", "contact_id", "from", "to");
        var filter = new TradeDocuments.ListFilter(filters.OneOf("status", kind.Statuses), filters.Id("contact_id", "ct"), filters.Date("from"), filters.Date("to"));
        filters.ThrowIfInvalid();
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var (documents, total) = await TradeDocuments.ListAsync(kind, connection, caller.OrganisationId, filter, page.Limit, page.Offset, cancellationToken);
        return TypedResults.Ok(Page.Of<object>([.. documents], page, total));
    }

    public static async Task<IResult> Get(TradeKind kind, string id, Caller caller, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var document = await TradeDocuments.LoadAsync(kind, connection, caller.OrganisationId, id, null, cancellationToken);
        return document is null ? NotFound(kind) : TypedResults.Ok<object>(document);
    }

    public static async Task<IResult> Create(
        TradeKind kind, ITradeDocumentRequest request, string? supplierNumber, Caller caller, WriteTransactions transactions, TimeProvider clock, CancellationToken cancellationToken)
    {
        await using var write = await transactions.BeginAsync(cancellationToken);
        var created = await TradeDocuments.CreateAsync(kind, request, supplierNumber, caller, write.Transaction, clock, cancellationToken);
        if (created.Error is { } error)
        {
            return error;
        }

        await write.CommitAsync(cancellationToken);
        return TypedResults.Created<object>($"{kind.Path}/{created.Value!.Id}", created.Value);
    }

    /// <summary>
    /// PATCH of a draft: the stored document overlaid with the fields sent is validated as if it
    /// were created whole, so a PATCH can never produce a document a POST would refuse.
    /// </summary>
    public static async Task<IResult> UpdateDraft<TRequest>(
        TradeKind kind, string id, Func<DocumentRow, IReadOnlyList<TradeLineRequest>, TRequest> merge, Func<TRequest, string?> supplierNumber,
        Caller caller, IValidator<TRequest> validator, WriteTransactions transactions, TimeProvider clock, CancellationToken cancellationToken)
        where TRequest : ITradeDocumentRequest
    {
        await using var write = await transactions.BeginAsync(cancellationToken);
        if (await TradeDocuments.LockAsync(kind, id, caller.OrganisationId, write.Transaction, cancellationToken) is not { } locked)
        {
            return NotFound(kind);
        }

        var (row, lines) = locked;
        if (row.Status != TradeKind.Draft)
        {
            return ApiError.Conflict($"Only a draft can be edited; {row.Label(kind)} is {row.Status}.");
        }

        var merged = merge(row, [.. lines.Select(l => new TradeLineRequest(l.Description, Money.Percent(l.Quantity), l.UnitPrice, Money.Percent(l.VatRate), l.AccountId))]);
        var validation = await validator.ValidateAsync(merged, cancellationToken);
        if (!validation.IsValid)
        {
            return ApiError.ValidationFailed([.. validation.Errors.Select(e => new FieldError(e.PropertyName, e.ErrorMessage))]);
        }

        var updated = await TradeDocuments.ReplaceDraftAsync(kind, row, merged, supplierNumber(merged), caller, write.Transaction, clock, cancellationToken);
        if (updated.Error is { } error)
        {
            return error;
        }

        await write.CommitAsync(cancellationToken);
        return TypedResults.Ok<object>(updated.Value!);
    }

    /// <summary>Runs a state change (send, approve, pay, void) in one transaction and answers 200 with the document.</summary>
    public static async Task<IResult> Act(
        TradeKind kind, WriteTransactions transactions, Func<NpgsqlTransaction, Task<Outcome<TradeDocumentView>?>> action, CancellationToken cancellationToken)
    {
        await using var write = await transactions.BeginAsync(cancellationToken);
        var outcome = await action(write.Transaction);
        if (outcome is not { } result)
        {
            return NotFound(kind);
        }

        if (result.Error is { } error)
        {
            return error;
        }

        await write.CommitAsync(cancellationToken);
        return TypedResults.Ok<object>(result.Value!);
    }

    private static ApiError NotFound(TradeKind kind) => ApiError.NotFound($"No such {kind.Name} in this organisation.");
}
