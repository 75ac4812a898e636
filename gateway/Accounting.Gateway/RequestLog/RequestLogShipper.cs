using Accounting.Gateway.Authentication;
using Microsoft.Extensions.Options;

namespace Accounting.Gateway.RequestLog;

/// <summary>
/// Takes entries off the queue and sends them to auth in batches: at once when a batch is full,
/// otherwise after <see cref="RequestLogOptions.FlushInterval"/>, so an entry is stored within a
/// couple of seconds. A refused or failed batch is retried with exponential backoff, then dropped
/// and counted; meanwhile requests keep queueing, and past the queue's capacity are dropped too.
/// </summary>
public sealed partial class RequestLogShipper(
    RequestLogBuffer buffer,
    AuthServiceClient auth,
    IOptions<RequestLogOptions> options,
    TimeProvider clock,
    ILogger<RequestLogShipper> logger) : BackgroundService
{
    private static readonly TimeSpan LastChance = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var batch = new List<LoggedRequest>(settings.BatchSize);
        try
        {
            while (await buffer.Reader.WaitToReadAsync(stoppingToken))
            {
                if (!Fill(batch))
                {
                    await Task.Delay(settings.FlushInterval, clock, stoppingToken);
                    Fill(batch);
                }

                await ShipAsync(batch, stoppingToken);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            await ShipRemainderAsync(batch);
        }
    }

    /// <returns>Whether the batch is full.</returns>
    private bool Fill(List<LoggedRequest> batch)
    {
        var size = options.Value.BatchSize;
        while (batch.Count < size && buffer.Reader.TryRead(out var entry))
        {
            batch.Add(LoggedRequest.From(entry));
        }

        return batch.Count >= size;
    }

    private async Task ShipAsync(List<LoggedRequest> batch, CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var delay = settings.RetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await auth.RecordRequestsAsync(batch, stoppingToken);
                return;
            }
            // Whatever went wrong, a lost batch must never stop the shipper, let alone the gateway.
            catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                if (attempt >= settings.MaxAttempts)
                {
                    buffer.CountUndeliverable(batch.Count);
                    LogBatchDropped(logger, exception, batch.Count, attempt);
                    return;
                }

                LogBatchRetried(logger, batch.Count, attempt, delay);
                await Task.Delay(delay, clock, stoppingToken);
                delay *= 2;
            }
        }
    }

    /// <summary>On shutdown, what is queued gets one attempt within a few seconds; the host is waiting.</summary>
    private async Task ShipRemainderAsync(List<LoggedRequest> batch)
    {
        using var deadline = new CancellationTokenSource(LastChance, clock);
        try
        {
            while (true)
            {
                Fill(batch);
                if (batch.Count == 0)
                {
                    return;
                }

                await auth.RecordRequestsAsync(batch, deadline.Token);
                batch.Clear();
            }
        }
        catch (Exception exception)
        {
            var lost = batch.Count + buffer.Reader.Count;
            buffer.CountUndeliverable(lost);
            LogShutdownDropped(logger, exception, lost);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Auth did not take a request-log batch of {Count} (attempt {Attempt}); retrying in {Delay}")]
    private static partial void LogBatchRetried(ILogger logger, int count, int attempt, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped a request-log batch of {Count} entries after {Attempts} attempts")]
    private static partial void LogBatchDropped(ILogger logger, Exception exception, int count, int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped {Count} request-log entries at shutdown: auth did not take them in time")]
    private static partial void LogShutdownDropped(ILogger logger, Exception exception, int count);
}
