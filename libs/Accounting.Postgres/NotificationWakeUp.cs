using System.Threading.Channels;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Accounting.Postgres;

/// <summary>
/// Wakes a background loop when PostgreSQL NOTIFYs its channel, and after a poll interval
/// otherwise. Wake-ups coalesce: however many arrive while the loop works, it runs once more.
/// </summary>
public sealed partial class NotificationWakeUp(NpgsqlDataSource dataSource, string channel, TimeProvider clock, ILogger logger)
{
    private readonly Channel<bool> signals = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Wakes the loop from within, when its own work may have made room for more.</summary>
    public void Signal() => signals.Writer.TryWrite(true);

    /// <summary>Returns at the next wake-up, after <paramref name="pollInterval"/>, or when stopping, whichever comes first.</summary>
    public async Task WaitAsync(TimeSpan pollInterval, CancellationToken stoppingToken)
    {
        using var poll = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        poll.CancelAfter(pollInterval);
        await ((Task)signals.Reader.ReadAsync(poll.Token).AsTask()).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>
    /// Holds a LISTEN connection until stopping. After losing it, reconnects <paramref name="retryDelay"/>
    /// later and wakes the loop, which catches up on whatever was notified in between.
    /// </summary>
    public async Task ListenAsync(TimeSpan retryDelay, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, _) => Signal();
                await connection.ExecuteAsync(new CommandDefinition($"LISTEN {channel}", cancellationToken: stoppingToken));
                Signal();
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                LogListenFailed(logger, exception, channel);
                await Task.Delay(retryDelay, clock, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listener for notifications on {Channel} lost its connection; reconnecting")]
    private static partial void LogListenFailed(ILogger logger, Exception exception, string channel);
}
