using System.Collections.Concurrent;
using System.Diagnostics;
using Accounting.Postgres;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Accounting.Webhooks.Dispatch;

/// <summary>
/// The dispatcher: claims due attempts from <see cref="DeliveryStore"/> and sends them
/// concurrently, up to <see cref="WebhooksOptions.MaxConcurrentAttempts"/>. Wakes on the NOTIFY
/// of new deliveries, on a finished attempt (a slot is free) and on a short poll (retries fall
/// due). Any number of replicas may run: claims are exclusive and leased.
/// </summary>
internal sealed partial class DeliveryWorker(
    DeliveryStore store,
    WebhookSender sender,
    WebhookMetrics metrics,
    NpgsqlDataSource dataSource,
    IOptions<WebhooksOptions> options,
    TimeProvider clock,
    ILogger<DeliveryWorker> logger) : BackgroundService
{
    private static readonly ActivitySource Source = new(WebhookMetrics.MeterName);
    private static readonly TimeSpan BacklogInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MaxFailureDelay = TimeSpan.FromSeconds(10);

    private readonly NotificationWakeUp wakeUp = new(dataSource, DeliveryStore.NotificationChannel, clock, logger);
    private readonly ConcurrentDictionary<string, Task> inFlight = new(StringComparer.Ordinal);
    private readonly WebhooksOptions settings = options.Value;
    private DateTimeOffset nextBacklogMeasure = DateTimeOffset.MinValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var listening = wakeUp.ListenAsync(MaxFailureDelay / 4, stoppingToken);
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            bool mayHaveMore;
            try
            {
                await MeasureBacklogAsync(stoppingToken);
                mayHaveMore = await ClaimAndStartAsync(stoppingToken);
                failures = 0;
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                failures++;
                LogClaimFailed(logger, exception);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(MaxFailureDelay.TotalMilliseconds, 200 * Math.Pow(2, Math.Min(failures, 10)))), stoppingToken)
                    .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                continue;
            }

            if (!mayHaveMore)
            {
                await wakeUp.WaitAsync(settings.PollInterval, stoppingToken);
            }
        }

        // Attempts cut short by the shutdown released their leases; wait for that before the pool goes.
        await Task.WhenAll(inFlight.Values).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await listening.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Starts every attempt it could claim; true when every free slot was filled, so more may be due.</summary>
    private async Task<bool> ClaimAndStartAsync(CancellationToken stoppingToken)
    {
        var capacity = settings.MaxConcurrentAttempts - inFlight.Count;
        if (capacity <= 0)
        {
            return false;
        }

        var claimed = await store.ClaimAsync(capacity, clock.GetUtcNow(), stoppingToken);
        foreach (var attempt in claimed)
        {
            // Registered before it starts, so its own removal on completion cannot come first.
            var run = new Task<Task>(() => RunAsync(attempt, stoppingToken));
            inFlight[attempt.Id] = run.Unwrap();
            run.Start(TaskScheduler.Default);
        }

        return claimed.Count == capacity;
    }

    private async Task RunAsync(ClaimedAttempt attempt, CancellationToken stoppingToken)
    {
        // Continues the trace that caused the delivery, so it runs from the original request to the receiver.
        ActivityContext.TryParse(attempt.TraceParent, null, out var parent);
        using var activity = Source.StartActivity("webhook deliver", ActivityKind.Client, parent);
        activity?.SetTag("webhook.delivery_id", attempt.Id);
        activity?.SetTag("webhook.endpoint_id", attempt.EndpointId);
        activity?.SetTag("webhook.attempt", attempt.Number);
        try
        {
            var result = await sender.SendAsync(attempt, stoppingToken);
            activity?.SetTag("http.response.status_code", result.ResponseStatus);
            if (!result.Succeeded)
            {
                activity?.SetStatus(ActivityStatusCode.Error, result.Error ?? $"HTTP {result.ResponseStatus}");
            }

            if (await RecordAsync(attempt, result, stoppingToken))
            {
                metrics.RecordAttempt(
                    result.Succeeded ? "succeeded" : attempt.Number < RetrySchedule.MaxAttempts ? "retrying" : "failed", result.Duration);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            await ReleaseAsync(attempt);
        }
        catch (Exception exception)
        {
            // The lease runs out and another pass retries the attempt; nothing is lost.
            LogAttemptFailed(logger, exception, attempt.Id);
        }
        finally
        {
            inFlight.TryRemove(attempt.Id, out _);
            wakeUp.Signal();
        }
    }

    /// <summary>
    /// Records the attempt; when that fails, records it again without the receiver's body, the one
    /// part of it the service does not control. An attempt left unrecorded would be retaken when its
    /// lease ran out, however often it had been sent, and might then fail the same way for ever.
    /// </summary>
    private async Task<bool> RecordAsync(ClaimedAttempt attempt, AttemptResult result, CancellationToken stoppingToken)
    {
        try
        {
            return await store.RecordAsync(attempt, result, stoppingToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogOutcomeNotStored(logger, exception, attempt.Id);
            return await store.RecordAsync(attempt, result.WithoutResponseBody("The response was received but could not be stored."), stoppingToken);
        }
    }

    /// <summary>Gives an interrupted attempt back at once, so a restarted or another replica takes it without waiting for the lease.</summary>
    private async Task ReleaseAsync(ClaimedAttempt attempt)
    {
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(CancellationToken.None);
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE webhook_deliveries SET lease_id = NULL, leased_until = NULL WHERE id = @Id AND lease_id = @LeaseId",
                new { attempt.Id, attempt.LeaseId }));
        }
        catch (NpgsqlException exception)
        {
            LogReleaseFailed(logger, exception, attempt.Id);
        }
    }

    private async Task MeasureBacklogAsync(CancellationToken stoppingToken)
    {
        var now = clock.GetUtcNow();
        if (now < nextBacklogMeasure)
        {
            return;
        }

        metrics.RecordBacklog(await store.BacklogAsync(now, stoppingToken), now);
        nextBacklogMeasure = now + BacklogInterval;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Claiming webhook attempts failed; retrying")]
    private static partial void LogClaimFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook delivery {DeliveryId} could not be recorded; its lease will run out and it will be attempted again")]
    private static partial void LogAttemptFailed(ILogger logger, Exception exception, string deliveryId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook delivery {DeliveryId}'s attempt could not be stored in full; recording it without the response body")]
    private static partial void LogOutcomeNotStored(ILogger logger, Exception exception, string deliveryId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Releasing interrupted webhook delivery {DeliveryId} failed; it is retried when its lease runs out")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception, string deliveryId);
}
