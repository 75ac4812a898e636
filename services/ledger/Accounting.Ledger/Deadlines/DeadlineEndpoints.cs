using Accounting.Ledger.Endpoints;
using Accounting.Ledger.Organisations;
using Accounting.ServiceDefaults.Errors;
using Accounting.ServiceDefaults.Http;
using Accounting.ServiceDefaults.Identity;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Accounting.Ledger.Deadlines;

public sealed record DeadlineView(string Type, DateOnly PeriodStart, DateOnly PeriodEnd, DateOnly DueDate, string Status, string Description);

/// <summary>Filing and payment deadlines (contract §5.4), computed on each request from the settings copy and the closed periods.</summary>
public static class DeadlineEndpoints
{
    /// <summary>The longest window one request may ask for; the rules are cheap, but a list of centuries is not useful.</summary>
    private const int MaxWindowYears = 5;

    public static IEndpointRouteBuilder MapDeadlineEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/deadlines", List).RequireScope("organisation:read").WithName("listDeadlines");
        return app;
    }

    private static async Task<Results<Ok<Page<DeadlineView>>, ApiError>> List(
        HttpRequest request, Caller caller, PageRequest page, NpgsqlDataSource db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var filters = new QueryFilters(request, "from", "to");
        var from = filters.Date("from");
        var to = filters.Date("to");
        filters.ThrowIfInvalid();
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var start = from ?? today;
        var end = to ?? start.AddMonths(12);
        if (end < start)
        {
            return ApiError.ValidationFailed("to", "to must be on or after from.");
        }

        if (end > start.AddYears(MaxWindowYears))
        {
            return ApiError.ValidationFailed("to", $"The window from from to to may span at most {MaxWindowYears} years.");
        }

        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var settings = await OrganisationSettingsStore.GetAsync(connection, caller.OrganisationId, cancellationToken);
        var closedThrough = await connection.ExecuteScalarAsync<DateOnly?>(new CommandDefinition(
            "SELECT closed_through FROM ledger_organisations WHERE organisation_id = @OrganisationId",
            new { caller.OrganisationId }, cancellationToken: cancellationToken));
        var deadlines = DeadlineRules.Between(settings, start, end, today, closedThrough);
        var views = deadlines.Skip(page.Offset).Take(page.Limit)
            .Select(d => new DeadlineView(d.Type, d.PeriodStart, d.PeriodEnd, d.DueDate, d.Status, d.Description))
            .ToList();
        return TypedResults.Ok(Page.Of(views, page, deadlines.Count));
    }
}
