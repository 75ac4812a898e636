using System.Collections.Concurrent;
using System.Diagnostics;
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
/// parallel. While the broker is down rows simply wait, with a capped backoff.
/// </summary>
internal sealed partial class OutboxRelay(
    NpgsqlDataSource dataSource,
    IBus bus,
    EventCatalog catalog,
    IOptions<OutboxOptions> options,
    TimeProvider clock,
    ILogger<OutboxRelay> logger) : BackgroundService
{
    private const long RelayLockKey = 0x4F_55_54_42_4F_58; // "OUTBOX"
    private static readonly ActivitySource Source = new("Accounting.Outbox");
    private static readonly TimeSpan HousekeepingInterval = TimeSpan.FromHours(1);

    private readonly NotificationWakeUp wakeUp = new(dataSource, Outbox.NotificationChannel, clock, logger);
    private readonly OutboxOptions settings = options.Value;
    private DateTimeOffset nextHousekeeping = DateTimeOffset.MinValue;

    private readonly record struct PendingEvent(long Id, Guid EventId, string EventType, int EventVersion, string AggregateId, string Payload, string? TraceParent);

    private enum Outcome { Drained, MoreWaiting, Failed }

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

        var pending = (await connection.QueryAsync<PendingEvent>(new CommandDefinition(
            """
            SELECT id, event_id, event_type, event_version, aggregate_id, payload::text AS payload, trace_parent
            FROM outbox_messages WHERE published_at IS NULL ORDER BY id LIMIT @BatchSize
            """,
            new { settings.BatchSize }, transaction, cancellationToken: stoppingToken))).AsList();
        if (pending.Count == 0)
        {
            return Outcome.Drained;
        }

        var published = new ConcurrentBag<long>();
        var results = await Task.WhenAll(pending.GroupBy(e => e.AggregateId).Select(aggregate => PublishInOrderAsync(aggregate, published, stoppingToken)));

        // Recorded even while stopping: what reached the broker must not be sent twice without need.
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE outbox_messages SET published_at = now() WHERE id = ANY(@Ids)", new { Ids = published.ToArray() }, transaction));
        await transaction.CommitAsync(CancellationToken.None);

        return results.Contains(false) ? Outcome.Failed
            : pending.Count == settings.BatchSize ? Outcome.MoreWaiting
            : Outcome.Drained;
    }

    /// <summary>Stops at the first failure, so a later event of the aggregate never overtakes an earlier one.</summary>
    private async Task<bool> PublishInOrderAsync(IEnumerable<PendingEvent> events, ConcurrentBag<long> published, CancellationToken stoppingToken)
    {
        foreach (var pending in events)
        {
            try
            {
                await PublishAsync(pending, stoppingToken);
                published.Add(pending.Id);
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
        var type = catalog.Resolve(pending.EventType, pending.EventVersion);
        var message = JsonSerializer.Deserialize(pending.Payload, type, JsonDefaults.Options)!;

        // Continue the trace of the request that wrote the event, across the broker.
        ActivityContext.TryParse(pending.TraceParent, null, out var parent);
        using var activity = Source.StartActivity($"{pending.EventType} publish", ActivityKind.Producer, parent);
        activity?.SetTag("messaging.message.id", pending.EventId);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(settings.PublishTimeout);
        await bus.Publish(message, type, context => context.MessageId = pending.EventId, timeout.Token);
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
}
