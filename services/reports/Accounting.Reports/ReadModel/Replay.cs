using Accounting.Contracts.Ledger;
using Accounting.Reports.Ledger;
using Dapper;
using Npgsql;

namespace Accounting.Reports.ReadModel;

/// <summary>
/// Replays an organisation's posted entries from the ledger through <see cref="JournalApplier"/>,
/// the same routine live events take, so replay and live delivery can overlap: whichever brings
/// an entry first applies it, the other finds it at or below the applied position and does nothing.
/// </summary>
public sealed partial class Replay(NpgsqlDataSource db, ILedgerFeed ledger, JournalApplier applier, ILogger<Replay> logger)
{
    private const int BatchSize = 500;

    /// <summary>
    /// Forgets what the organisation's journal made of the read model (balances, lines, parked entries,
    /// the trade documents entries name; account descriptions are re-read), then replays from sequence 0.
    /// Reports say <c>complete: false</c> until the replay has caught up. Returns the position reached.
    /// </summary>
    public async Task<long> RebuildAsync(string organisationId, CancellationToken cancellationToken)
    {
        await using (var connection = await db.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            await JournalApplier.LockPositionAsync(transaction, organisationId, cancellationToken);
            await connection.ExecuteAsync(new CommandDefinition(
                """
                DELETE FROM daily_balances WHERE organisation_id = @organisationId;
                DELETE FROM monthly_balances WHERE organisation_id = @organisationId;
                DELETE FROM trade_sources WHERE organisation_id = @organisationId;
                DELETE FROM journal_lines WHERE organisation_id = @organisationId;
                DELETE FROM pending_entries WHERE organisation_id = @organisationId;
                UPDATE accounts SET described_at_sequence = 0 WHERE organisation_id = @organisationId;
                UPDATE organisations SET applied_sequence = 0 WHERE organisation_id = @organisationId;
                """,
                new { organisationId }, transaction, cancellationToken: cancellationToken));
            await transaction.CommitAsync(cancellationToken);
        }

        LogRebuilding(logger, organisationId);
        var position = await CatchUpAsync(organisationId, 0, long.MaxValue, cancellationToken);
        LogRebuilt(logger, organisationId, position);
        return position;
    }

    /// <summary>Applies the ledger's entries after <paramref name="afterSequence"/> until <paramref name="untilSequence"/> has been reached.</summary>
    public async Task<long> CatchUpAsync(string organisationId, long afterSequence, long untilSequence, CancellationToken cancellationToken)
    {
        var batch = new List<JournalEntryPosted>(BatchSize);
        await foreach (var entry in ledger.EntriesAsync(organisationId, afterSequence, cancellationToken))
        {
            batch.Add(entry);
            if (batch.Count == BatchSize)
            {
                await ApplyAsync(batch, cancellationToken);
                batch.Clear();
            }

            if (entry.Sequence >= untilSequence)
            {
                break;
            }
        }

        if (batch.Count > 0)
        {
            await ApplyAsync(batch, cancellationToken);
        }

        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT applied_sequence FROM organisations WHERE organisation_id = @organisationId", new { organisationId }, cancellationToken: cancellationToken));
    }

    private async Task ApplyAsync(List<JournalEntryPosted> batch, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await applier.ReceiveAsync(transaction, batch, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rebuilding the read model of {OrganisationId} from the ledger")]
    private static partial void LogRebuilding(ILogger logger, string organisationId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebuilt the read model of {OrganisationId} up to sequence {Position}")]
    private static partial void LogRebuilt(ILogger logger, string organisationId, long position);
}
