using Accounting.Contracts.Ledger;
using Accounting.Ledger.Endpoints;
using Accounting.ServiceDefaults.Errors;
using Accounting.ServiceDefaults.Http;
using Accounting.ServiceDefaults.Identity;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Accounting.Ledger.Feed;

/// <summary>
/// The ledger's internal feed for read models (the reports service): not routed by the gateway,
/// not in the OpenAPI document, and callable only with a trusted service's own identity for the
/// organisation in the path (another organisation's path is a 404).
/// </summary>
public static class FeedEndpoints
{
    public static IEndpointRouteBuilder MapFeedEndpoints(this IEndpointRouteBuilder app)
    {
        var journal = app.MapGroup("/internal/organisations/{organisation_id}/journal").RequireService().ExcludeFromDescription();
        journal.MapGet("/position", Position).WithName("getJournalPosition");
        journal.MapGet("/entries", Entries).WithName("listJournalFeedEntries");
        return app;
    }

    private static async Task<Results<Ok<JournalPosition>, ApiError>> Position(
        [FromRoute(Name = "organisation_id")] string organisationId, Caller caller, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        if (caller.OrganisationId != organisationId)
        {
            return NoSuchOrganisation();
        }

        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return TypedResults.Ok(new JournalPosition(await JournalFeed.PositionAsync(connection, organisationId, cancellationToken)));
    }

    private static async Task<Results<Ok<JournalFeedPage>, ApiError>> Entries(
        [FromRoute(Name = "organisation_id")] string organisationId, HttpRequest request, Caller caller, NpgsqlDataSource db,
        CancellationToken cancellationToken)
    {
        var filters = new QueryFilters(request, "after");
        var after = filters.WholeNumber("after", 0, long.MaxValue) ?? 0;
        var limit = filters.WholeNumber("limit", 1, JournalFeed.MaxLimit) ?? JournalFeed.DefaultLimit;
        filters.ThrowIfInvalid();
        if (caller.OrganisationId != organisationId)
        {
            return NoSuchOrganisation();
        }

        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return TypedResults.Ok(await JournalFeed.PageAsync(connection, organisationId, after, (int)limit, cancellationToken));
    }

    private static ApiError NoSuchOrganisation() => ApiError.NotFound("No such organisation for this caller.");
}
