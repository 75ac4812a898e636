using Accounting.Contracts.Ledger;

namespace Accounting.Reports.Ledger;

/// <summary>
/// What the reports service asks of the ledger directly, over its internal, non-public API:
/// how many journal entries an organisation has committed (so a report can say whether it is
/// complete) and its posted entries in sequence (to rebuild the read model or fill a gap).
/// </summary>
public interface ILedgerFeed
{
    /// <summary>The organisation's highest committed journal entry sequence (0 when it has none).</summary>
    Task<long> PositionAsync(string organisationId, CancellationToken cancellationToken);

    /// <summary>The organisation's posted entries with a sequence greater than <paramref name="afterSequence"/>, in sequence.</summary>
    IAsyncEnumerable<JournalEntryPosted> EntriesAsync(string organisationId, long afterSequence, CancellationToken cancellationToken);
}
