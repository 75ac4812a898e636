using System.Data;
using Accounting.Postgres;
using Accounting.ServiceDefaults.Errors;
using Accounting.ServiceDefaults.Http;
using Accounting.ServiceDefaults.Identity;
using Accounting.Webhooks.Dispatch;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Accounting.Webhooks.Endpoints;

public sealed record DeliveryView(
    string Id, string EventId, string Event, string Status, int Attempts, int? ResponseStatus, int? DurationMs,
    DateTimeOffset? NextAttemptAt, DateTimeOffset CreatedAt, DateTimeOffset? LastAttemptAt);

public sealed record AttemptView(int Number, DateTimeOffset AttemptedAt, int? ResponseStatus, int DurationMs, string? Error, string? ResponseBody);

/// <summary>A delivery with every attempt made so far, oldest first.</summary>
public sealed record DeliveryDetailView(
    string Id, string EventId, string Event, string Status, int Attempts, int? ResponseStatus, int? DurationMs,
    DateTimeOffset? NextAttemptAt, DateTimeOffset CreatedAt, DateTimeOffset? LastAttemptAt, IReadOnlyList<AttemptView> AttemptHistory);

/// <summary>The delivery log of one endpoint (contract §7) and manual retries.</summary>
public static class DeliveryEndpoints
{
    private const string Columns = "id, event_id, event, status, attempts, response_status, duration_ms, next_attempt_at, created_at, last_attempt_at";
    private static readonly string[] Statuses = ["pending", "succeeded", "failed"];

    public static IEndpointRouteBuilder MapDeliveryEndpoints(this IEndpointRouteBuilder app)
    {
        var deliveries = app.MapGroup("/api/v1/webhooks/{webhookId}/deliveries");
        deliveries.MapGet("/", List).RequireScope("webhooks:read");
        deliveries.MapGet("/{deliveryId}", Get).RequireScope("webhooks:read");
        deliveries.MapPost("/{deliveryId}/retry", Retry).RequireScope("webhooks:write");
        return app;
    }

    internal static Task<DeliveryView> FindAsync(
        NpgsqlConnection connection, IDbTransaction? transaction, string organisationId, string webhookId, string deliveryId, CancellationToken cancellationToken) =>
        connection.QuerySingleAsync<DeliveryView>(new CommandDefinition(
            $"SELECT {Columns} FROM webhook_deliveries WHERE id = @DeliveryId AND endpoint_id = @WebhookId AND organisation_id = @OrganisationId",
            new { DeliveryId = deliveryId, WebhookId = webhookId, OrganisationId = organisationId }, transaction, cancellationToken: cancellationToken));

    private static async Task<Results<Ok<Page<DeliveryView>>, ApiError>> List(
        string webhookId, string? status, Caller caller, PageRequest page, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        if (status is not null && !Statuses.Contains(status))
        {
            return ApiError.ValidationFailed("status", "status must be pending, succeeded or failed.");
        }

        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        if (!await WebhookExistsAsync(connection, caller.OrganisationId, webhookId, cancellationToken))
        {
            return WebhookEndpoints.NoSuchWebhook();
        }

        const string Filter = "endpoint_id = @WebhookId AND organisation_id = @OrganisationId AND (@Status::text IS NULL OR status = @Status)";
        var parameters = new { WebhookId = webhookId, caller.OrganisationId, Status = status, page.Limit, page.Offset };
        var deliveries = (await connection.QueryAsync<DeliveryView>(new CommandDefinition(
            $"SELECT {Columns} FROM webhook_deliveries WHERE {Filter} ORDER BY created_at DESC, id LIMIT @Limit OFFSET @Offset",
            parameters, cancellationToken: cancellationToken))).AsList();
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT count(*) FROM webhook_deliveries WHERE {Filter}", parameters, cancellationToken: cancellationToken));
        return TypedResults.Ok(Page.Of(deliveries, page, total));
    }

    private static async Task<Results<Ok<DeliveryDetailView>, ApiError>> Get(string webhookId, string deliveryId, Caller caller, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var delivery = await connection.QuerySingleOrDefaultAsync<DeliveryView>(new CommandDefinition(
            $"SELECT {Columns} FROM webhook_deliveries WHERE id = @DeliveryId AND endpoint_id = @WebhookId AND organisation_id = @OrganisationId",
            new { DeliveryId = deliveryId, WebhookId = webhookId, caller.OrganisationId }, cancellationToken: cancellationToken));
        if (delivery is null)
        {
            return NoSuchDelivery();
        }

        var attempts = (await connection.QueryAsync<AttemptView>(new CommandDefinition(
            """
            SELECT number, attempted_at, response_status, duration_ms, error, response_body
            FROM webhook_attempts WHERE delivery_id = @Id ORDER BY number
            """,
            new { delivery.Id }, cancellationToken: cancellationToken))).AsList();
        return TypedResults.Ok(new DeliveryDetailView(
            delivery.Id, delivery.EventId, delivery.Event, delivery.Status, delivery.Attempts, delivery.ResponseStatus, delivery.DurationMs,
            delivery.NextAttemptAt, delivery.CreatedAt, delivery.LastAttemptAt, attempts));
    }

    private static async Task<Results<Accepted<DeliveryView>, ApiError>> Retry(string webhookId, string deliveryId, Caller caller, WriteTransactions transactions, TimeProvider clock, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var write = await transactions.BeginAsync(cancellationToken);
        var state = await write.Connection.QuerySingleOrDefaultAsync<RetryState>(new CommandDefinition(
            """
            SELECT e.enabled AS endpoint_enabled, d.leased_until > @Now AS in_flight
            FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
            WHERE d.id = @DeliveryId AND d.endpoint_id = @WebhookId AND d.organisation_id = @OrganisationId
            FOR UPDATE OF d
            """,
            new { Now = now, DeliveryId = deliveryId, WebhookId = webhookId, caller.OrganisationId }, write.Transaction, cancellationToken: cancellationToken));
        if (state is null)
        {
            return NoSuchDelivery();
        }

        if (!state.EndpointEnabled)
        {
            return ApiError.Conflict("The endpoint is disabled. Enable it before retrying its deliveries.");
        }

        if (state.InFlight == true)
        {
            return ApiError.RequestInProgress("An attempt of this delivery is in progress. Retry once it has finished.");
        }

        await write.Connection.ExecuteAsync(new CommandDefinition(
            $"""
            UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = @Now WHERE id = @DeliveryId;
            SELECT pg_notify('{DeliveryStore.NotificationChannel}', '');
            """,
            new { Now = now, DeliveryId = deliveryId }, write.Transaction, cancellationToken: cancellationToken));
        var delivery = await FindAsync(write.Connection, write.Transaction, caller.OrganisationId, webhookId, deliveryId, cancellationToken);
        await write.CommitAsync(cancellationToken);
        return TypedResults.Accepted($"/api/v1/webhooks/{webhookId}/deliveries/{deliveryId}", delivery);
    }

    private static Task<bool> WebhookExistsAsync(NpgsqlConnection connection, string organisationId, string webhookId, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM webhook_endpoints WHERE id = @WebhookId AND organisation_id = @OrganisationId)",
            new { WebhookId = webhookId, OrganisationId = organisationId }, cancellationToken: cancellationToken));

    private static ApiError NoSuchDelivery() => ApiError.NotFound("No such delivery of this webhook endpoint in this organisation.");

    private sealed record RetryState(bool EndpointEnabled, bool? InFlight);
}
