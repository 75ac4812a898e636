using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Accounting.Postgres;

/// <summary>
/// Deletes rows past their retention, at start-up and then hourly on the injected clock, so a
/// table stays the size of its retention window however long the service runs. A service derives
/// one job per set of tables and lists their deletes in <see cref="DeleteExpiredAsync"/>. A failed
/// round is logged and the next one tries again: nothing depends on old rows being gone at once.
/// </summary>
public abstract partial class RetentionJob(NpgsqlDataSource dataSource, TimeProvider clock, ILogger logger) : BackgroundService
{
    public const int BatchSize = 5_000;
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected TimeProvider Clock => clock;

    /// <summary>One round over the job's tables; public, so tests run it on their own clock.</summary>
    /// <returns>How many rows were deleted.</returns>
    public abstract Task<long> DeleteExpiredAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Runs <paramref name="deleteBatch"/>, a DELETE of at most <c>@BatchSize</c> rows, until a batch
    /// comes up short. Each batch is its own short transaction, so writers never wait behind one long delete.
    /// </summary>
    protected async Task<long> DeleteInBatchesAsync(string deleteBatch, object parameters, CancellationToken cancellationToken)
    {
        var arguments = new DynamicParameters(parameters);
        arguments.Add(nameof(BatchSize), BatchSize);
        long total = 0;
        int deleted;
        do
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            deleted = await connection.ExecuteAsync(new CommandDefinition(deleteBatch, arguments, cancellationToken: cancellationToken));
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
                LogRoundFailed(logger, GetType().Name, exception);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Job} could not delete expired rows; the next round tries again")]
    private static partial void LogRoundFailed(ILogger logger, string job, Exception exception);
}
