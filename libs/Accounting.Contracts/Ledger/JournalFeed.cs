namespace Accounting.Contracts.Ledger;

// The ledger's internal feed, which only trusted services reach (never through the gateway): what a
// read model built from journal_entry.posted asks the ledger directly, to know whether it is
// complete and to rebuild itself or fill a gap.

/// <summary><c>GET /internal/organisations/{organisation_id}/journal/position</c>.</summary>
/// <param name="Position">The organisation's highest committed journal entry sequence; 0 when it has none.</param>
public sealed record JournalPosition(long Position);

/// <summary><c>GET /internal/organisations/{organisation_id}/journal/entries?after=N&amp;limit=M</c>.</summary>
/// <param name="Entries">The entries after <c>after</c>, in sequence, each exactly as its <c>journal_entry.posted</c> event.</param>
/// <param name="NextAfter">The <c>after</c> of the next page, or null when this page reached the end.</param>
public sealed record JournalFeedPage(IReadOnlyList<JournalEntryPosted> Entries, long? NextAfter);
