using Accounting.Ledger.Endpoints;
using Accounting.Ledger.Posting;
using Accounting.ServiceDefaults.Errors;
using Accounting.ServiceDefaults.Http;
using Accounting.ServiceDefaults.Identity;
using Accounting.ServiceDefaults.OpenApi;
using Accounting.ServiceDefaults.Validation;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
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

/// <summary>
/// What sets one kind of trade document apart at the HTTP edge: its view, its request bodies,
/// the action that posts it (<c>send</c>, <c>approve</c>), where the supplier's number comes from
/// and how a PATCH overlays the stored draft.
/// </summary>
internal sealed record TradeDocumentApi<TView, TCreate, TUpdate>(
    TradeKind Kind,
    string PostAction,
    Func<TCreate, string?> SupplierNumber,
    Func<TUpdate, DocumentRow, IReadOnlyList<TradeLineRequest>, TCreate> Merge)
    where TView : TradeDocumentView
    where TCreate : ITradeDocumentRequest
{
    /// <summary>The last path segment, which also names the scopes: <c>invoices</c>, <c>bills</c>.</summary>
    public string Resource => Kind.Path[(Kind.Path.LastIndexOf('/') + 1)..];

    /// <summary>The operation ids' noun: <c>Invoice</c>, <c>Bill</c>.</summary>
    public string Noun => string.Concat(Kind.Name[..1].ToUpperInvariant(), Kind.Name.AsSpan(1));
}

/// <summary>
/// The HTTP side shared by invoices and bills: one mapping for the mirrored routes (list, create,
/// get, PATCH a draft, post, pay), generic in the view so each kind's document states its own schema.
/// </summary>
internal static class TradeEndpoints
{
    public static RouteGroupBuilder MapTradeDocuments<TView, TCreate, TUpdate>(this IEndpointRouteBuilder app, TradeDocumentApi<TView, TCreate, TUpdate> api)
        where TView : TradeDocumentView
        where TCreate : ITradeDocumentRequest
    {
        var kind = api.Kind;
        var (read, write, noun) = ($"{api.Resource}:read", $"{api.Resource}:write", api.Noun);
        // The body handlers reach Map* as Delegate values: .NET 10's route-handler analyzer throws on a
        // parameter typed by a type parameter (dotnet/aspnetcore#56831, fixed in .NET 11).
        Delegate create = (TCreate request, [AsParameters] Writes writes, CancellationToken cancellationToken) =>
            Create<TView>(kind, request, api.SupplierNumber(request), writes, cancellationToken);
        Delegate update = (string id, TUpdate request, IValidator<TCreate> validator, [AsParameters] Writes writes, CancellationToken cancellationToken) =>
            UpdateDraft<TView, TCreate>(kind, id, (row, lines) => api.Merge(request, row, lines), api.SupplierNumber, validator, writes, cancellationToken);
        var documents = app.MapGroup(kind.Path);
        documents.MapGet("/", (HttpRequest request, Caller caller, PageRequest page, NpgsqlDataSource db, CancellationToken cancellationToken) =>
            List<TView>(kind, request, caller, page, db, cancellationToken)).RequireScope(read).WithName($"list{noun}s");
        documents.MapPost("/", create).RequireScope(write).Validate<TCreate>().WithName($"create{noun}");
        documents.MapGet("/{id}", (string id, Caller caller, NpgsqlDataSource db, CancellationToken cancellationToken) =>
            Get<TView>(kind, id, caller, db, cancellationToken)).RequireScope(read).WithName($"get{noun}");
        documents.MapPatch("/{id}", update).RequireScope(write).WithName($"update{noun}")
            .ProducesError(409, "Only a draft can be edited.");
        documents.MapPost($"/{{id}}/{api.PostAction}", (string id, [AsParameters] Writes writes, CancellationToken cancellationToken) =>
            Act<TView>(kind, writes, transaction => TradeDocuments.PostAsync(kind, id, writes.Caller, transaction, writes.Clock, cancellationToken), cancellationToken))
            .RequireScope(write).WithName($"{api.PostAction}{noun}");
        documents.MapPost("/{id}/payments", (string id, PaymentRequest request, [AsParameters] Writes writes, CancellationToken cancellationToken) =>
            Act<TView>(kind, writes, transaction => TradeDocuments.PayAsync(kind, id, request, writes.Caller, transaction, writes.Clock, cancellationToken), cancellationToken))
            .RequireScope(write).Validate<PaymentRequest>().WithName($"create{noun}Payment");
        return documents;
    }

    private static async Task<Ok<Page<TView>>> List<TView>(
        TradeKind kind, HttpRequest request, Caller caller, PageRequest page, NpgsqlDataSource db, CancellationToken cancellationToken)
        where TView : TradeDocumentView
    {
        var filters = new QueryFilters(request, "status", "contact_id", "from", "to");
        var filter = new TradeDocuments.ListFilter(filters.OneOf("status", kind.Statuses), filters.Id("contact_id", "ct"), filters.Date("from"), filters.Date("to"));
        filters.ThrowIfInvalid();
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var (documents, total) = await TradeDocuments.ListAsync(kind, connection, caller.OrganisationId, filter, page.Limit, page.Offset, cancellationToken);
        return TypedResults.Ok(Page.Of<TView>([.. documents.Cast<TView>()], page, total));
    }

    private static async Task<Results<Ok<TView>, ApiError>> Get<TView>(TradeKind kind, string id, Caller caller, NpgsqlDataSource db, CancellationToken cancellationToken)
        where TView : TradeDocumentView
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var document = await TradeDocuments.LoadAsync(kind, connection, caller.OrganisationId, id, null, cancellationToken);
        return document is null ? NotFound(kind) : TypedResults.Ok((TView)document);
    }

    private static async Task<Results<Created<TView>, ApiError>> Create<TView>(
        TradeKind kind, ITradeDocumentRequest request, string? supplierNumber, Writes writes, CancellationToken cancellationToken)
        where TView : TradeDocumentView
    {
        await using var write = await writes.Transactions.BeginAsync(cancellationToken);
        var created = await TradeDocuments.CreateAsync(kind, request, supplierNumber, writes.Caller, write.Transaction, writes.Clock, cancellationToken);
        if (created.Error is { } error)
        {
            return error;
        }

        await write.CommitAsync(cancellationToken);
        return TypedResults.Created($"{kind.Path}/{created.Value!.Id}", (TView)created.Value);
    }

    /// <summary>
    /// PATCH of a draft: the stored document overlaid with the fields sent is validated as if it
    /// were created whole, so a PATCH can never produce a document a POST would refuse.
    /// </summary>
    private static async Task<Results<Ok<TView>, ApiError>> UpdateDraft<TView, TCreate>(
        TradeKind kind, string id, Func<DocumentRow, IReadOnlyList<TradeLineRequest>, TCreate> merge, Func<TCreate, string?> supplierNumber,
        IValidator<TCreate> validator, Writes writes, CancellationToken cancellationToken)
        where TView : TradeDocumentView
        where TCreate : ITradeDocumentRequest
    {
        await using var write = await writes.Transactions.BeginAsync(cancellationToken);
        if (await TradeDocuments.LockAsync(kind, id, writes.Caller.OrganisationId, write.Transaction, cancellationToken) is not { } locked)
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

        var updated = await TradeDocuments.ReplaceDraftAsync(kind, row, merged, supplierNumber(merged), writes.Caller, write.Transaction, writes.Clock, cancellationToken);
        if (updated.Error is { } error)
        {
            return error;
        }

        await write.CommitAsync(cancellationToken);
        return TypedResults.Ok((TView)updated.Value!);
    }

    /// <summary>Runs a state change (send, approve, pay, void) in one transaction and answers 200 with the document.</summary>
    public static async Task<Results<Ok<TView>, ApiError>> Act<TView>(
        TradeKind kind, Writes writes, Func<NpgsqlTransaction, Task<Outcome<TradeDocumentView>?>> action, CancellationToken cancellationToken)
        where TView : TradeDocumentView
    {
        await using var write = await writes.Transactions.BeginAsync(cancellationToken);
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
        return TypedResults.Ok((TView)result.Value!);
    }

    private static ApiError NotFound(TradeKind kind) => ApiError.NotFound($"No such {kind.Name} in this organisation.");
}
