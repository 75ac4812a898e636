using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Accounting.Reports.ReadModel;

/// <summary>
/// An entry parked for longer than <c>Reports:PendingGapTimeout</c> waits for a predecessor the
/// broker may never bring (lost, dead-lettered, malformed): fetch the missing entries from the ledger.
/// </summary>
public sealed partial class GapFiller(NpgsqlDataSource db, Replay replay, TimeProvider clock, IOptions<ReportsOptions> options, ILogger<GapFiller> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(options.Value.GapCheckInterval, clock, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (stoppingToken.IsCancellationRequested)
            {
                break;
            }

            try
            {
                await FillAsync(stoppingToken);
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                LogFillFailed(logger, exception);
            }
        }
    }

    /// <summary>Fetches what every long-waiting organisation lacks; returns how many organisations it looked at.</summary>
    public async Task<int> FillAsync(CancellationToken cancellationToken)
    {
        List<Gap> gaps;
        await using (var connection = await db.OpenConnectionAsync(cancellationToken))
        {
            gaps = [.. await connection.QueryAsync<Gap>(new CommandDefinition(
                """
                SELECT p.organisation_id, o.applied_sequence, min(p.sequence) AS first_waiting
                FROM pending_entries p JOIN organisations o ON o.organisation_id = p.organisation_id
                GROUP BY p.organisation_id, o.applied_sequence
                HAVING min(p.received_at) <= @WaitedSince
                """,
                new { WaitedSince = clock.GetUtcNow() - options.Value.PendingGapTimeout }, cancellationToken: cancellationToken))];
        }

        foreach (var gap in gaps)
        {
            LogFillingGap(logger, gap.OrganisationId, gap.AppliedSequence, gap.FirstWaiting);
            await replay.CatchUpAsync(gap.OrganisationId, gap.AppliedSequence, gap.FirstWaiting - 1, cancellationToken);
        }

        return gaps.Count;
    }

    private sealed record Gap(string OrganisationId, long AppliedSequence, long FirstWaiting);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{OrganisationId} has waited too long after sequence {AppliedSequence} (next parked: {FirstWaiting}); fetching the gap from the ledger")]
    private static partial void LogFillingGap(ILogger logger, string organisationId, long appliedSequence, long firstWaiting);

    [LoggerMessage(Level = LogLevel.Error, Message = "Filling gaps in the read model failed; trying again later")]
    private static partial void LogFillFailed(ILogger logger, Exception exception);
}
