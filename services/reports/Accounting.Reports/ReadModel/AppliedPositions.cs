using System.Collections.Concurrent;
using Dapper;
using Npgsql;

namespace Accounting.Reports.ReadModel;

/// <summary>
/// Wakes reports waiting for an organisation's applied position to move: one LISTEN connection
/// per process on <see cref="JournalApplier.AppliedChannel"/>, whose payload is the organisation id.
/// </summary>
public sealed partial class AppliedPositions(NpgsqlDataSource dataSource, TimeProvider clock, ILogger<AppliedPositions> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> changes = new(StringComparer.Ordinal);

    /// <summary>
    /// Completes at the next move of the organisation's position after this call. Take it before
    /// reading the position, so a move in between is not missed.
    /// </summary>
    public Task NextChange(string organisationId) =>
        changes.GetOrAdd(organisationId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    private void Changed(string organisationId)
    {
        if (changes.TryRemove(organisationId, out var change))
        {
            change.TrySetResult();
        }
    }

    // After losing the connection, wake everyone: they read the position again and wait on.
    private void ChangedAll()
    {
        foreach (var organisationId in changes.Keys)
        {
            Changed(organisationId);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, notification) => Changed(notification.Payload);
                await connection.ExecuteAsync(new CommandDefinition($"LISTEN {JournalApplier.AppliedChannel}", cancellationToken: stoppingToken));
                ChangedAll();
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                LogListenFailed(logger, exception);
                ChangedAll();
                await Task.Delay(TimeSpan.FromSeconds(1), clock, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listener for applied positions lost its connection; reconnecting")]
    private static partial void LogListenFailed(ILogger logger, Exception exception);
}
