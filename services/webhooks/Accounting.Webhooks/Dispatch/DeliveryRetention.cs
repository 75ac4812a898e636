using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Accounting.Webhooks.Dispatch;

/// <summary>
/// Deletes settled deliveries, with their attempts, once they are older than
/// <see cref="WebhooksOptions.DeliveryRetention"/>: the log covers the window a subscriber needs to
/// investigate and replay, and the tables stay that size however long the service runs.
/// </summary>
public sealed partial class DeliveryRetention(
    NpgsqlDataSource dataSource, IOptions<WebhooksOptions> options, TimeProvider clock, ILogger<DeliveryRetention> logger) : BackgroundService
{
    private const int BatchSize = 5_000;
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    /// <summary>Deletes in batches, each its own short transaction, so dispatchers are never held up behind one long delete.</summary>
    public async Task<long> DeleteExpiredAsync(CancellationToken cancellationToken)
    {
        var cutoff = clock.GetUtcNow() - options.Value.DeliveryRetention;
        long total = 0;
        int deleted;
        do
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            deleted = await connection.ExecuteAsync(new CommandDefinition(
                """
                DELETE FROM webhook_deliveries WHERE id IN (
                    SELECT id FROM webhook_deliveries WHERE status <> 'pending' AND created_at < @Cutoff LIMIT @BatchSize)
                """,
                new { Cutoff = cutoff, BatchSize }, cancellationToken: cancellationToken));
            total += deleted;
        }
        while (deleted == BatchSize);

        return total;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        do
        {
            try
            {
                await DeleteExpiredAsync(stoppingToken);
            }
            catch (NpgsqlException exception)
            {
                // Nothing depends on old deliveries being gone; the next round tries again.
                LogRetentionFailed(logger, exception);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting webhook deliveries past their retention failed")]
    private static partial void LogRetentionFailed(ILogger logger, Exception exception);
}
