using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.Serialization;
using System.Text.Json;
using Accounting.Postgres;
using Accounting.ServiceDefaults.Http;
using Dapper;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Accounting.Messaging;

/// <summary>
/// Moves committed events from the outbox to RabbitMQ. Wakes on the outbox's NOTIFY (or a poll),
/// publishes with publisher confirms, then marks the rows published: at-least-once, because a
/// crash between the two publishes again and consumers deduplicate. One replica relays at a
/// time (an advisory lock), events of one aggregate strictly in order, different aggregates in
/// parallel. While the broker is down rows simply wait, with a capped backoff. An event that
/// fails on its own (unknown type, unreadable payload) is counted, parked after
/// <see cref="OutboxOptions.MaxPublishAttempts"/> and never slows the others down; it holds back
/// only the later events of its own aggregate, which must not overtake it.
/// </summary>
internal sealed partial class OutboxRelay(
    NpgsqlDataSource dataSource,
    IBus bus,
    EventCatalog catalog,
    MessagingMetrics metrics,
    IOptions<OutboxOptions> options,
    TimeProvider clock,
    ILogger<OutboxRelay> logger) : BackgroundService
{
    private const long RelayLockKey = 0x4F_55_54_42_4F_58; // "OUTBOX"
    private const int MaxErrorLength = 2000;
    private static readonly ActivitySource Source = new("Accounting.Outbox");
    private static readonly TimeSpan HousekeepingInterval = TimeSpan.FromHours(1);

    private readonly NotificationWakeUp wakeUp = new(dataSource, Outbox.NotificationChannel, clock, logger);
    private readonly OutboxOptions settings = options.Value;
    private DateTimeOffset nextHousekeeping = DateTimeOffset.MinValue;

    private readonly record struct PendingEvent(long Id, Guid EventId, string EventType, int EventVersion, string AggregateId, string Payload, string? TraceParent);

    private readonly record struct Rejection(PendingEvent Event, Exception Error);

    private readonly record struct RecordedFailure(long Id, Guid EventId, string EventType, string AggregateId, int FailedAttempts, bool Parked);

    private enum Outcome { Drained, MoreWaiting, Failed }

    /// <summary>An event that cannot be published whatever the broker does.</summary>
    private sealed class UnpublishableEventException(string message, Exception? inner = null) : Exception(message, inner);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var listening = wakeUp.ListenAsync(settings.MaxRetryDelay / 4, stoppingToken);
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var outcome = await RelayOnceAsync(stoppingToken);
            failures = outcome == Outcome.Failed ? failures + 1 : 0;
            switch (outcome)
            {
                case Outcome.MoreWaiting:
                    continue;
                case Outcome.Failed:
                    metrics.RecordRelayBackoff();
                    // Ignore wake-ups while failing: each write would otherwise retry a dead broker at once.
                    await Task.Delay(RetryDelay(failures), clock, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    break;
                default:
                    await wakeUp.WaitAsync(settings.PollInterval, stoppingToken);
                    break;
            }
        }

        await listening.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task<Outcome> RelayOnceAsync(CancellationToken stoppingToken)
    {
        try
        {
            await RemoveExpiredAsync(stoppingToken);
            return await RelayBatchAsync(stoppingToken);
        }
        catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
        {
            LogRelayFailed(logger, exception);
            return Outcome.Failed;
        }
    }

    private async Task<Outcome> RelayBatchAsync(CancellationToken stoppingToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
        await using var transaction = await connection.BeginTransactionAsync(stoppingToken);
        var isRelay = await connection.ExecuteScalarAsync<bool>(
            new CommandDefinition("SELECT pg_try_advisory_xact_lock(@RelayLockKey)", new { RelayLockKey }, transaction, cancellationToken: stoppingToken));
        if (!isRelay)
        {
            return Outcome.Drained;
        }

        // Rows behind a parked row of their aggregate wait for it, so that order per aggregate holds.
        var pending = (await connection.QueryAsync<PendingEvent>(new CommandDefinition(
            """
            SELECT id, event_id, event_type, event_version, aggregate_id, payload::text AS payload, trace_parent
            FROM outbox_messages m
            WHERE published_at IS NULL AND parked_at IS NULL
              AND NOT EXISTS (
                  SELECT FROM outbox_messages parked
                  WHERE parked.aggregate_id = m.aggregate_id AND parked.id < m.id
                    AND parked.published_at IS NULL AND parked.parked_at IS NOT NULL)
            ORDER BY id LIMIT @BatchSize
            """,
            new { settings.BatchSize }, transaction, cancellationToken: stoppingToken))).AsList();
        if (pending.Count == 0)
        {
            return Outcome.Drained;
        }

        var published = new ConcurrentBag<long>();
        var rejected = new ConcurrentBag<Rejection>();
        var brokerSucceeded = await Task.WhenAll(pending.GroupBy(e => e.AggregateId).Select(aggregate => PublishInOrderAsync(aggregate, published, rejected, stoppingToken)));

        // Recorded even while stopping: what reached the broker must not be sent twice without need.
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE outbox_messages SET published_at = now() WHERE id = ANY(@Ids)", new { Ids = published.ToArray() }, transaction));
        var failures = await RecordFailuresAsync(connection, transaction, rejected);
        await transaction.CommitAsync(CancellationToken.None);

        foreach (var parked in failures.Where(failure => failure.Parked))
        {
            metrics.RecordParked(parked.EventType);
            LogParked(logger, parked.Id, parked.EventType, parked.EventId, parked.FailedAttempts, parked.AggregateId);
        }

        // A rejected row is tried again at once: it is parked within a few batches, and only the broker earns a pause.
        return brokerSucceeded.Contains(false) ? Outcome.Failed
            : pending.Count == settings.BatchSize || !rejected.IsEmpty ? Outcome.MoreWaiting
            : Outcome.Drained;
    }

    /// <summary>
    /// Stops at the first failure, so a later event of the aggregate never overtakes an earlier
    /// one; false when that failure was the broker's.
    /// </summary>
    private async Task<bool> PublishInOrderAsync(
        IEnumerable<PendingEvent> events, ConcurrentBag<long> published, ConcurrentBag<Rejection> rejected, CancellationToken stoppingToken)
    {
        foreach (var pending in events)
        {
            try
            {
                await PublishAsync(pending, stoppingToken);
                published.Add(pending.Id);
            }
            catch (UnpublishableEventException exception)
            {
                LogUnpublishable(logger, exception, pending.EventType, pending.EventId);
                rejected.Add(new Rejection(pending, exception));
                return true;
            }
            catch (Exception exception)
            {
                LogPublishFailed(logger, exception, pending.EventType, pending.EventId);
                return false;
            }
        }

        return true;
    }

    private async Task PublishAsync(PendingEvent pending, CancellationToken stoppingToken)
    {
        var (type, message) = Materialise(pending);

        // Continue the trace of the request that wrote the event, across the broker.
        ActivityContext.TryParse(pending.TraceParent, null, out var parent);
        using var activity = Source.StartActivity($"{pending.EventType} publish", ActivityKind.Producer, parent);
        activity?.SetTag("messaging.message.id", pending.EventId);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(settings.PublishTimeout);
        try
        {
            await bus.Publish(message, type, context => context.MessageId = pending.EventId, timeout.Token);
        }
        catch (SerializationException exception)
        {
            throw new UnpublishableEventException($"{pending.EventType} v{pending.EventVersion} cannot be serialised for the broker.", exception);
        }
    }

    /// <summary>Turns the stored row back into its contract: a failure here is the row's own, never the broker's.</summary>
    private (Type Type, object Message) Materialise(PendingEvent pending)
    {
        try
        {
            var type = catalog.Resolve(pending.EventType, pending.EventVersion);
            return (type, JsonSerializer.Deserialize(pending.Payload, type, JsonDefaults.Options)
                ?? throw new JsonException("The payload is null."));
        }
        catch (Exception exception)
        {
            throw new UnpublishableEventException($"{pending.EventType} v{pending.EventVersion} cannot be read back: {exception.Message}", exception);
        }
    }

    private async Task<IReadOnlyList<RecordedFailure>> RecordFailuresAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ConcurrentBag<Rejection> rejected)
    {
        if (rejected.IsEmpty)
        {
            return [];
        }

        return (await connection.QueryAsync<RecordedFailure>(new CommandDefinition(
            """
            UPDATE outbox_messages m
            SET failed_attempts = m.failed_attempts + 1,
                last_error = f.error,
                parked_at = CASE WHEN m.failed_attempts + 1 >= @MaxPublishAttempts THEN now() END
            FROM unnest(@Ids, @Errors) AS f(id, error)
            WHERE m.id = f.id
            RETURNING m.id, m.event_id, m.event_type, m.aggregate_id, m.failed_attempts, m.parked_at IS NOT NULL AS parked
            """,
            new
            {
                settings.MaxPublishAttempts,
                Ids = rejected.Select(r => r.Event.Id).ToArray(),
                Errors = rejected.Select(r => Excerpt(r.Error)).ToArray(),
            },
            transaction))).AsList();
    }

    /// <summary>PostgreSQL text refuses NUL, and an error message may quote anything.</summary>
    private static string Excerpt(Exception error)
    {
        var text = error.Message.Replace("\0", "", StringComparison.Ordinal);
        return text.Length <= MaxErrorLength ? text : text[..MaxErrorLength];
    }

    private async Task RemoveExpiredAsync(CancellationToken stoppingToken)
    {
        var now = clock.GetUtcNow();
        if (now < nextHousekeeping)
        {
            return;
        }

        await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM outbox_messages WHERE published_at < @Cutoff;
            DELETE FROM inbox_messages WHERE processed_at < @Cutoff;
            """,
            new { Cutoff = now - settings.Retention }, cancellationToken: stoppingToken));
        nextHousekeeping = now + HousekeepingInterval;
    }

    private TimeSpan RetryDelay(int failures) =>
        TimeSpan.FromMilliseconds(Math.Min(settings.MaxRetryDelay.TotalMilliseconds, 250 * Math.Pow(2, Math.Min(failures - 1, 16))));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox relay failed; events stay queued and will be retried")]
    private static partial void LogRelayFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing {EventType} {EventId} failed; it stays in the outbox")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, string eventType, Guid eventId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{EventType} {EventId} cannot be published; it is retried, then parked")]
    private static partial void LogUnpublishable(ILogger logger, Exception exception, string eventType, Guid eventId);

    [LoggerMessage(Level = LogLevel.Error,
        Message = "Outbox row {Id} ({EventType} {EventId}) parked after {FailedAttempts} failed attempts; it and the later events of aggregate {AggregateId} wait for an operator")]
    private static partial void LogParked(ILogger logger, long id, string eventType, Guid eventId, int failedAttempts, string aggregateId);
}
