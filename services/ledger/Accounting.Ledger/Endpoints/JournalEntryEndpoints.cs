using System.Collections.Concurrent;
using Accounting.Ledger.Posting;
using Accounting.ServiceDefaults.Errors;
using Accounting.ServiceDefaults.Http;
using Accounting.ServiceDefaults.Identity;
using Accounting.ServiceDefaults.Validation;
using Dapper;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Accounting.Ledger.Endpoints;

public sealed record JournalLineRequest(string? AccountId, decimal? Debit, decimal? Credit, string? Description);

public sealed record CreateJournalEntryRequest(DateOnly? Date, string? Description, string? Currency, string? Reference, IReadOnlyList<JournalLineRequest>? Lines);

public sealed record ReverseJournalEntryRequest(DateOnly? Date);

public sealed class CreateJournalEntryValidator : AbstractValidator<CreateJournalEntryRequest>
{
    public CreateJournalEntryValidator()
    {
        RuleLevelCascadeMode = CascadeMode.Stop;
        RuleFor(r => r.Date).PlausibleDate();
        RuleFor(r => r.Description).NotEmpty().MaximumLength(500);
        RuleFor(r => r.Currency).Currency();
        RuleFor(r => r.Reference).MaximumLength(100);
        RuleFor(r => r.Lines).NotNull()
            .Must(lines => lines!.Count >= 2).WithMessage("An entry needs at least two lines.")
            .Must(lines => lines!.Count <= LedgerRules.MaxLines).WithMessage($"An entry has at most {LedgerRules.MaxLines} lines.")
            .DependentRules(() =>
            {
                RuleForEach(r => r.Lines).Cascade(CascadeMode.Continue).SetValidator((request, _) => LineValidator(request.Currency));
                RuleFor(r => r.Lines)
                    .Must(lines => lines!.Sum(l => l.Debit ?? 0) == lines!.Sum(l => l.Credit ?? 0))
                    .WithMessage(r => $"The entry does not balance: debits total {r.Lines!.Sum(l => l.Debit ?? 0)}, credits total {r.Lines!.Sum(l => l.Credit ?? 0)}.");
            });
    }

    // One per currency, because the allowed decimals depend on it; built once, as building compiles expressions.
    private static readonly ConcurrentDictionary<string, InlineValidator<JournalLineRequest>> LineValidators = new(StringComparer.Ordinal);

    private static InlineValidator<JournalLineRequest> LineValidator(string? currency) =>
        LineValidators.GetOrAdd(Money.IsKnownCurrency(currency) ? currency! : "", BuildLineValidator);

    private static InlineValidator<JournalLineRequest> BuildLineValidator(string currency)
    {
        var line = new InlineValidator<JournalLineRequest> { RuleLevelCascadeMode = CascadeMode.Stop };
        line.RuleFor(l => l.AccountId).NotEmpty().MaximumLength(64);
        line.RuleFor(l => l.Description).MaximumLength(500);
        line.RuleFor(l => l.Debit).NotNull().When(l => l.Credit is null).WithMessage("Each line needs a debit or a credit.");
        line.RuleFor(l => l.Credit).Null().When(l => l.Debit is not null).WithMessage("A line has a debit or a credit, not both.");
        line.RuleFor(l => l.Debit).PositiveAmount(_ => currency).When(l => l.Debit is not null);
        line.RuleFor(l => l.Credit).PositiveAmount(_ => currency).When(l => l.Credit is not null);
        return line;
    }
}

/// <summary>
/// Journal entries (contract §5): balanced, immutable once posted, corrected by reversal.
/// Accounts named in the body that do not exist in the caller's organisation (or are archived)
/// are a 422 on the line's <c>account_id</c>; ids in the path that do not exist are a 404.
/// </summary>
public static class JournalEntryEndpoints
{
    public static IEndpointRouteBuilder MapJournalEntryEndpoints(this IEndpointRouteBuilder app)
    {
        var entries = app.MapGroup("/api/v1/journal-entries");
        entries.MapGet("/", List).RequireScope("journals:read").WithName("listJournalEntries");
        entries.MapPost("/", Create).RequireScope("journals:write").Validate<CreateJournalEntryRequest>().WithName("createJournalEntry");
        entries.MapGet("/{id}", Get).RequireScope("journals:read").WithName("getJournalEntry");
        entries.MapPost("/{id}/reverse", Reverse).RequireScope("journals:write").WithName("reverseJournalEntry");
        return app;
    }

    private static async Task<Ok<Page<JournalEntryView>>> List(HttpRequest request, Caller caller, PageRequest page, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        var filters = new QueryFilters(request, "from", "to", "source_type");
        var from = filters.Date("from");
        var to = filters.Date("to");
        var sourceType = filters.OneOf("source_type", JournalSources.All);
        filters.ThrowIfInvalid();

        const string Where = """
            AND (@From::date IS NULL OR e.date >= @From) AND (@To::date IS NULL OR e.date <= @To)
            AND (@SourceType::text IS NULL OR e.source_type = @SourceType)
            """;
        var parameters = new { caller.OrganisationId, From = from, To = to, SourceType = sourceType, page.Limit, page.Offset };
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var entries = await Journal.ListAsync(connection, caller.OrganisationId, Where, parameters, cancellationToken);
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT count(*) FROM journal_entries e WHERE e.organisation_id = @OrganisationId {Where}", parameters, cancellationToken: cancellationToken));
        return TypedResults.Ok(Page.Of(entries, page, total));
    }

    private static async Task<Results<Created<JournalEntryView>, ApiError>> Create(
        CreateJournalEntryRequest request, [AsParameters] Writes writes, CancellationToken cancellationToken)
    {
        await using var write = await writes.Transactions.BeginAsync(cancellationToken);
        var posted = await Journal.PostAsync(write.Transaction, writes.Caller, new JournalPosting(
            request.Date!.Value,
            request.Currency!,
            request.Description!.Trim(),
            request.Reference,
            JournalSources.Manual,
            null,
            [.. request.Lines!.Select(l => new PostingLine(l.AccountId!, l.Debit ?? 0, l.Credit ?? 0, l.Description))],
            FieldPrefix: "lines"), writes.Clock, cancellationToken);
        if (posted.Error is { } error)
        {
            return error;
        }

        await write.CommitAsync(cancellationToken);
        return TypedResults.Created($"/api/v1/journal-entries/{posted.Value!.Id}", posted.Value);
    }

    private static async Task<Results<Ok<JournalEntryView>, ApiError>> Get(string id, Caller caller, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var entry = await Journal.LoadAsync(connection, caller.OrganisationId, id, null, forUpdate: false, cancellationToken);
        return entry is null ? ApiError.NotFound("No such journal entry in this organisation.") : TypedResults.Ok(entry);
    }

    /// <summary>Answers with the reversed entry, which now names its reversal; the reversal is an entry of its own.</summary>
    private static async Task<Results<Ok<JournalEntryView>, ApiError>> Reverse(
        string id, ReverseJournalEntryRequest? request, [AsParameters] Writes writes, CancellationToken cancellationToken)
    {
        var caller = writes.Caller;
        if (request?.Date is { } date && !LedgerDates.IsPlausible(date))
        {
            return ApiError.ValidationFailed("date", "date " + LedgerDates.PlausibleMessage);
        }

        await using var write = await writes.Transactions.BeginAsync(cancellationToken);
        var source = await Journal.SourceOfAsync(write.Transaction, caller.OrganisationId, id, cancellationToken);
        if (source is not (null or JournalSources.Manual or JournalSources.Reversal))
        {
            return ApiError.Conflict($"Journal entry {id} was posted by a {source}; void or correct the {source} instead.");
        }

        var reversal = await Journal.ReverseAsync(write.Transaction, caller, id, request?.Date, JournalSources.Reversal, id, writes.Clock, cancellationToken);
        if (reversal is not { } outcome)
        {
            return ApiError.NotFound("No such journal entry in this organisation.");
        }

        if (outcome.Error is { } error)
        {
            return error;
        }

        var reversed = await Journal.LoadAsync(write.Connection, caller.OrganisationId, id, write.Transaction, forUpdate: false, cancellationToken);
        await write.CommitAsync(cancellationToken);
        return TypedResults.Ok(reversed!);
    }
}
