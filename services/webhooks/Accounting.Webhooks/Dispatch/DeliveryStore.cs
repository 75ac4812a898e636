using System.Diagnostics;
using Accounting.ServiceDefaults;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Accounting.Webhooks.Dispatch;

/// <summary>An attempt a dispatcher has claimed, with everything needed to send it.</summary>
public sealed record ClaimedAttempt(
    string Id, string EndpointId, string EventId, string Payload, int Attempts, Guid LeaseId,
    string Url, string Secret, string? PreviousSecret, string? TraceParent)
{
    public int Number => Attempts + 1;
}

/// <summary>Deliveries waiting, and since when the oldest due one has.</summary>
public sealed record Backlog(long Pending, DateTimeOffset? OldestDue);

/// <summary>What one attempt came to.</summary>
public sealed record AttemptResult(DateTimeOffset AttemptedAt, TimeSpan Duration, int? ResponseStatus, string? ResponseBody, string? Error)
{
    public bool Succeeded => ResponseStatus is >= 200 and < 300;

    /// <summary>The same outcome without the receiver's body, for when keeping it failed.</summary>
    public AttemptResult WithoutResponseBody(string why) => this with { ResponseBody = null, Error = why };
}

/// <summary>
/// The durable delivery queue in PostgreSQL: deliveries are written with the event that caused
/// them, claimed with <c>FOR UPDATE SKIP LOCKED</c> under a lease, and their outcome recorded in
/// one transaction. Times come from the service's clock, so tests can move it.
/// </summary>
public sealed class DeliveryStore(NpgsqlDataSource dataSource, EndpointSecrets secrets, IOptions<WebhooksOptions> options)
{
    /// <summary>Dispatchers LISTEN here; a commit that adds due work NOTIFYs it.</summary>
    public const string NotificationChannel = "webhook_deliveries";

    private readonly WebhooksOptions settings = options.Value;

    /// <summary>One delivery per enabled endpoint of <paramref name="organisationId"/> subscribed to <paramref name="eventName"/>.</summary>
    public static async Task<int> EnqueueForEventAsync(
        NpgsqlTransaction transaction, string organisationId, string eventName, string eventId, string payload, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var connection = transaction.Connection!;
        var endpoints = (await connection.QueryAsync<string>(new CommandDefinition(
            """
            SELECT id FROM webhook_endpoints
            WHERE organisation_id = @OrganisationId AND enabled AND (@EventName = ANY(events) OR '*' = ANY(events))
            """,
            new { OrganisationId = organisationId, EventName = eventName }, transaction, cancellationToken: cancellationToken))).AsList();
        if (endpoints.Count == 0)
        {
            return 0;
        }

        await connection.ExecuteAsync(new CommandDefinition(
            $"""
            INSERT INTO webhook_deliveries (id, organisation_id, endpoint_id, event_id, event, payload, status, next_attempt_at, trace_parent, created_at)
            SELECT delivery.id, @OrganisationId, delivery.endpoint_id, @EventId, @EventName, @Payload, 'pending', @Now, @TraceParent, @Now
            FROM unnest(@Ids, @EndpointIds) AS delivery (id, endpoint_id)
            ON CONFLICT (endpoint_id, event_id) DO NOTHING;
            SELECT pg_notify('{NotificationChannel}', '');
            """,
            new
            {
                OrganisationId = organisationId, EventId = eventId, EventName = eventName, Payload = payload, Now = now,
                TraceParent = Activity.Current?.Id,
                Ids = endpoints.Select(_ => NewDeliveryId()).ToArray(), EndpointIds = endpoints.ToArray(),
            },
            transaction, cancellationToken: cancellationToken));
        return endpoints.Count;
    }

    /// <summary>A single delivery to one endpoint (a ping), due now.</summary>
    public static async Task<string> EnqueueAsync(
        NpgsqlTransaction transaction, string organisationId, string endpointId, string eventName, string eventId, string payload, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var id = NewDeliveryId();
        await transaction.Connection!.ExecuteAsync(new CommandDefinition(
            $"""
            INSERT INTO webhook_deliveries (id, organisation_id, endpoint_id, event_id, event, payload, status, next_attempt_at, trace_parent, created_at)
            VALUES (@Id, @OrganisationId, @EndpointId, @EventId, @EventName, @Payload, 'pending', @Now, @TraceParent, @Now);
            SELECT pg_notify('{NotificationChannel}', '');
            """,
            new
            {
                Id = id, OrganisationId = organisationId, EndpointId = endpointId, EventId = eventId, EventName = eventName, Payload = payload, Now = now,
                TraceParent = Activity.Current?.Id,
            },
            transaction, cancellationToken: cancellationToken));
        return id;
    }

    /// <summary>
    /// Leases up to <paramref name="limit"/> due attempts. Locked rows are skipped, so replicas never
    /// claim the same attempt; an endpoint with its share of attempts already in flight gets no more,
    /// so one slow endpoint cannot hold every slot.
    /// </summary>
    public async Task<IReadOnlyList<ClaimedAttempt>> ClaimAsync(int limit, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var claimed = (await connection.QueryAsync<ClaimedRow>(new CommandDefinition(
            """
            WITH candidates AS (
                SELECT due.id, due.next_attempt_at, e.in_flight,
                    row_number() OVER (PARTITION BY e.id ORDER BY due.next_attempt_at) AS rank
                FROM (
                    SELECT e.id, (
                        SELECT count(*) FROM webhook_deliveries busy
                        WHERE busy.endpoint_id = e.id AND busy.status = 'pending' AND busy.leased_until >= @Now) AS in_flight
                    FROM webhook_endpoints e
                    WHERE e.enabled AND e.id IN (
                        SELECT endpoint_id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= @Now)
                ) e
                CROSS JOIN LATERAL (
                    SELECT d.id, d.next_attempt_at FROM webhook_deliveries d
                    WHERE d.endpoint_id = e.id AND d.status = 'pending' AND d.next_attempt_at <= @Now
                      AND (d.leased_until IS NULL OR d.leased_until < @Now)
                    ORDER BY d.next_attempt_at
                    LIMIT @PerEndpoint
                    FOR UPDATE OF d SKIP LOCKED
                ) due
                WHERE e.in_flight < @PerEndpoint
            ), due AS (
                SELECT id FROM candidates WHERE rank <= @PerEndpoint - in_flight ORDER BY next_attempt_at LIMIT @Limit
            )
            UPDATE webhook_deliveries d
            SET lease_id = @LeaseId, leased_until = @LeasedUntil
            FROM due, webhook_endpoints e
            WHERE d.id = due.id AND e.id = d.endpoint_id
            RETURNING d.id, d.endpoint_id, d.event_id, d.payload, d.attempts, d.lease_id, e.url, e.secret, e.sealed_secret,
                CASE WHEN e.previous_secret_expires_at > @Now THEN e.previous_secret END AS previous_secret,
                CASE WHEN e.previous_secret_expires_at > @Now THEN e.sealed_previous_secret END AS sealed_previous_secret, d.trace_parent
            """,
            new
            {
                Now = now, Limit = limit, PerEndpoint = settings.MaxConcurrentAttemptsPerEndpoint,
                LeaseId = Guid.NewGuid(), LeasedUntil = now + settings.LeaseDuration,
            },
            transaction, cancellationToken: cancellationToken))).AsList();
        await transaction.CommitAsync(cancellationToken);
        return [.. claimed.Select(row => new ClaimedAttempt(
            row.Id, row.EndpointId, row.EventId, row.Payload, row.Attempts, row.LeaseId, row.Url,
            row.Secret ?? secrets.Open(row.EndpointId, row.SealedSecret!),
            row.PreviousSecret ?? (row.SealedPreviousSecret is null ? null : secrets.Open(row.EndpointId, row.SealedPreviousSecret)),
            row.TraceParent))];
    }

    /// <summary>
    /// Records the attempt, schedules the retry or settles the delivery, and tracks the endpoint's
    /// run of failures, disabling it after <see cref="WebhooksOptions.DisableAfterFailingFor"/>.
    /// Returns false when the lease was lost (the attempt was retaken) and nothing was recorded.
    /// </summary>
    public async Task<bool> RecordAsync(ClaimedAttempt attempt, AttemptResult result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        ArgumentNullException.ThrowIfNull(result);
        var retryIn = result.Succeeded ? null : RetrySchedule.DelayAfter(attempt.Number, Random.Shared);
        var status = result.Succeeded ? "succeeded" : retryIn is null ? "failed" : "pending";

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var owned = await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE webhook_deliveries
            SET status = @Status, attempts = @Number, next_attempt_at = @NextAttemptAt, lease_id = NULL, leased_until = NULL,
                last_attempt_at = @AttemptedAt, response_status = @ResponseStatus, duration_ms = @DurationMs
            WHERE id = @Id AND lease_id = @LeaseId
            """,
            new
            {
                Status = status, attempt.Number, NextAttemptAt = result.AttemptedAt + retryIn, result.AttemptedAt, result.ResponseStatus,
                DurationMs = DurationMs(result), attempt.Id, attempt.LeaseId,
            },
            transaction, cancellationToken: cancellationToken));
        if (owned == 0)
        {
            return false;
        }

        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO webhook_attempts (delivery_id, number, attempted_at, response_status, duration_ms, error, response_body)
            VALUES (@Id, @Number, @AttemptedAt, @ResponseStatus, @DurationMs, @Error, @ResponseBody)
            ON CONFLICT (delivery_id, number) DO NOTHING
            """,
            new
            {
                attempt.Id, attempt.Number, result.AttemptedAt, result.ResponseStatus, DurationMs = DurationMs(result),
                Error = ResponseExcerpt.Storable(result.Error), ResponseBody = ResponseExcerpt.Storable(result.ResponseBody),
            },
            transaction, cancellationToken: cancellationToken));

        if (result.Succeeded)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE webhook_endpoints SET failing_since = NULL WHERE id = @EndpointId AND failing_since IS NOT NULL",
                new { attempt.EndpointId }, transaction, cancellationToken: cancellationToken));
        }
        else
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                UPDATE webhook_endpoints SET failing_since = coalesce(failing_since, @AttemptedAt) WHERE id = @EndpointId;
                UPDATE webhook_endpoints
                SET enabled = false, updated_at = @AttemptedAt,
                    disabled_reason = 'Every delivery attempt since ' || to_char(failing_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                        || ' failed (the last: ' || @Failure || '). Fix the endpoint, then enable it again.'
                WHERE id = @EndpointId AND enabled AND failing_since <= @FailingCutoff;
                """,
                new
                {
                    result.AttemptedAt, attempt.EndpointId, FailingCutoff = result.AttemptedAt - settings.DisableAfterFailingFor,
                    Failure = ResponseExcerpt.Storable(result.Error) ?? $"HTTP {result.ResponseStatus}",
                },
                transaction, cancellationToken: cancellationToken));
        }

        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>How many deliveries wait, and since when the oldest due one has.</summary>
    public async Task<Backlog> BacklogAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleAsync<Backlog>(new CommandDefinition(
            """
            SELECT count(*) AS pending, min(next_attempt_at) FILTER (WHERE next_attempt_at <= @Now) AS oldest_due
            FROM webhook_deliveries WHERE status = 'pending'
            """,
            new { Now = now }, cancellationToken: cancellationToken));
    }

    private static int DurationMs(AttemptResult result) => (int)Math.Round(result.Duration.TotalMilliseconds);

    private static string NewDeliveryId() => Ids.New("dlv");
}

/// <remarks>
/// A plaintext secret wins over a sealed one: only a replica from before sealing (during a rolling
/// update) still writes plaintext, so it is the newer; the next start-up seals it.
/// </remarks>
internal sealed record ClaimedRow(
    string Id, string EndpointId, string EventId, string Payload, int Attempts, Guid LeaseId, string Url,
    string? Secret, byte[]? SealedSecret, string? PreviousSecret, byte[]? SealedPreviousSecret, string? TraceParent);
