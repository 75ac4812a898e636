using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Accounting.Postgres.Idempotency;

/// <summary>Deletes stored responses past their 24 h so the table stays the size of a day's traffic.</summary>
internal sealed partial class IdempotencyKeyCleanup(NpgsqlDataSource dataSource, TimeProvider clock, ILogger<IdempotencyKeyCleanup> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        do
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                await connection.ExecuteAsync(new CommandDefinition(
                    "DELETE FROM idempotency_keys WHERE created_at < @Cutoff",
                    new { Cutoff = clock.GetUtcNow() - IdempotencyMiddleware.Retention }, cancellationToken: stoppingToken));
            }
            catch (NpgsqlException exception)
            {
                // Expired rows are ignored on lookup anyway; the next round tries again.
                LogCleanupFailed(logger, exception);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting expired idempotency keys failed")]
    private static partial void LogCleanupFailed(ILogger logger, Exception exception);
}
