using Accounting.Contracts.Ledger;
using Accounting.Ledger.Chart;
using Accounting.Ledger.Posting;
using Accounting.Messaging;
using Accounting.ServiceDefaults.Errors;
using Accounting.ServiceDefaults.Http;
using Accounting.ServiceDefaults.Identity;
using Accounting.ServiceDefaults.Validation;
using Dapper;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Accounting.Ledger.Endpoints;

public sealed record ClosePeriodRequest(DateOnly? PeriodEnd);

public sealed record PeriodView(DateOnly PeriodEnd, DateTimeOffset ClosedAt, string ClosedBy);

public sealed class ClosePeriodValidator : AbstractValidator<ClosePeriodRequest>
{
    public ClosePeriodValidator()
    {
        RuleLevelCascadeMode = CascadeMode.Stop;
        RuleFor(r => r.PeriodEnd).PlausibleDate();
    }
}

/// <summary>Closed periods (contract §5): nothing is posted dated on or before the latest closed period end.</summary>
public static class PeriodEndpoints
{
    public static IEndpointRouteBuilder MapPeriodEndpoints(this IEndpointRouteBuilder app)
    {
        var periods = app.MapGroup("/api/v1/periods");
        periods.MapGet("/", List).RequireScope("journals:read").WithName("listPeriods");
        periods.MapPost("/close", Close).RequireScope("journals:write").Validate<ClosePeriodRequest>().WithName("closePeriod");
        return app;
    }

    private static async Task<Ok<Page<PeriodView>>> List(HttpRequest request, Caller caller, PageRequest page, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        new QueryFilters(request).ThrowIfInvalid();
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var periods = (await connection.QueryAsync<PeriodView>(new CommandDefinition(
            """
            SELECT period_end, closed_at, closed_by FROM period_closes WHERE organisation_id = @OrganisationId
            ORDER BY period_end DESC LIMIT @Limit OFFSET @Offset
            """,
            new { caller.OrganisationId, page.Limit, page.Offset }, cancellationToken: cancellationToken))).AsList();
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT count(*) FROM period_closes WHERE organisation_id = @OrganisationId", new { caller.OrganisationId }, cancellationToken: cancellationToken));
        return TypedResults.Ok(Page.Of(periods, page, total));
    }

    private static async Task<Results<Ok<PeriodView>, ApiError>> Close(ClosePeriodRequest request, [AsParameters] Writes writes, CancellationToken cancellationToken)
    {
        var caller = writes.Caller;
        var periodEnd = request.PeriodEnd!.Value;
        var now = writes.Clock.GetUtcNow();
        await using var write = await writes.Transactions.BeginAsync(cancellationToken);
        await DefaultChart.EnsureOrganisationAsync(write.Transaction, caller.OrganisationId, cancellationToken);
        // Exclusive: waits for postings in flight (they hold the lock shared) and holds new ones back until the close commits.
        await write.Connection.ExecuteAsync(new CommandDefinition(
            $"SELECT pg_advisory_xact_lock({PeriodLock.Key})", new { caller.OrganisationId }, write.Transaction, cancellationToken: cancellationToken));
        var closedThrough = await write.Connection.QuerySingleAsync<DateOnly?>(new CommandDefinition(
            "SELECT closed_through FROM ledger_organisations WHERE organisation_id = @OrganisationId FOR UPDATE",
            new { caller.OrganisationId }, write.Transaction, cancellationToken: cancellationToken));
        if (closedThrough is { } closed && periodEnd <= closed)
        {
            return ApiError.Conflict($"The books are already closed through {closed:yyyy-MM-dd}.");
        }

        await write.Connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE ledger_organisations SET closed_through = @PeriodEnd WHERE organisation_id = @OrganisationId;
            INSERT INTO period_closes (organisation_id, period_end, closed_at, closed_by) VALUES (@OrganisationId, @PeriodEnd, @Now, @ClosedBy);
            """,
            new { caller.OrganisationId, PeriodEnd = periodEnd, Now = now, ClosedBy = caller.PrincipalId }, write.Transaction, cancellationToken: cancellationToken));
        await Outbox.EnqueueAsync(write.Transaction, new PeriodClosed
        {
            OrganisationId = caller.OrganisationId,
            OccurredAt = now,
            PeriodEnd = periodEnd,
            ClosedBy = caller.PrincipalId,
        }, caller.OrganisationId, cancellationToken);
        await write.CommitAsync(cancellationToken);
        return TypedResults.Ok(new PeriodView(periodEnd, now, caller.PrincipalId));
    }
}
