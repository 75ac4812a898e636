using Accounting.Contracts.Ledger;
using Accounting.Ledger.Posting;
using Dapper;
using Npgsql;

namespace Accounting.Ledger.Feed;

/// <summary>
/// An organisation's posted entries as a feed in sequence, each exactly as its
/// <c>journal_entry.posted</c> event: the same event id, lines, accounts (as they were at posting)
/// and VAT roles, so a read model rebuilt from the feed equals the one built from the events.
/// </summary>
/// <remarks>
/// Why the position is exact and a page never skips an entry: an organisation's sequences are
/// taken from one counter row that the posting transaction holds locked from the moment it takes
/// its number until it commits (<see cref="NumberSeries"/>). Entry n + 1 therefore cannot be
/// numbered before entry n has committed, or rolled back and given its number back. PostgreSQL ends
/// a transaction's visibility before it releases its locks, so any snapshot that sees n + 1
/// committed sees n committed too: what one snapshot sees of the series is always 1…k without a
/// hole. Each query below is one statement, hence one snapshot: the position is that k (the highest
/// committed sequence, which is also the count), and a page of entries after a sequence is a
/// contiguous run; an entry still in flight can only appear after the last one returned, never
/// before it, so keyset paging on <c>sequence</c> cannot step over it.
/// </remarks>
public static class JournalFeed
{
    public const int DefaultLimit = 500;
    public const int MaxLimit = 5000;

    public static Task<long> PositionAsync(NpgsqlConnection connection, string organisationId, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT coalesce(max(sequence), 0) FROM journal_entries WHERE organisation_id = @OrganisationId",
            new { OrganisationId = organisationId }, cancellationToken: cancellationToken));

    private sealed record FeedRow(
        string Id, long Sequence, Guid EventId, DateTimeOffset CreatedAt, DateOnly Date, string Currency, string Description, string? Reference,
        string SourceType, string? SourceId, string? ReversesId, int LineNumber, string AccountId, string AccountCode, string AccountName,
        string AccountType, string? AccountSubtype, decimal Debit, decimal Credit, string? LineDescription, string? VatRole, decimal? VatRate);

    public static async Task<JournalFeedPage> PageAsync(
        NpgsqlConnection connection, string organisationId, long afterSequence, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        // One statement: the entries and their lines from one snapshot. One entry more than asked
        // tells whether the feed goes on past this page.
        var rows = await connection.QueryAsync<FeedRow>(new CommandDefinition(
            """
            WITH page AS (
                SELECT id, sequence, event_id, created_at, date, currency, description, reference, source_type, source_id, reverses_id
                FROM journal_entries
                WHERE organisation_id = @OrganisationId AND sequence > @After
                ORDER BY sequence
                LIMIT @Take
            )
            SELECT p.id, p.sequence, p.event_id, p.created_at, p.date, p.currency, p.description, p.reference, p.source_type, p.source_id,
                   p.reverses_id, l.line_number, l.account_id, l.account_code, l.account_name, l.account_type, l.account_subtype,
                   l.debit, l.credit, l.description AS line_description, l.vat_role, l.vat_rate
            FROM page p JOIN journal_lines l ON l.journal_entry_id = p.id AND l.organisation_id = @OrganisationId
            ORDER BY p.sequence, l.line_number
            """,
            new { OrganisationId = organisationId, After = afterSequence, Take = limit + 1 }, cancellationToken: cancellationToken));

        var entries = new List<JournalEntryPosted>();
        foreach (var lines in rows.ChunkBy(r => r.Sequence))
        {
            entries.Add(ToEvent(organisationId, lines));
        }

        var more = entries.Count > limit;
        if (more)
        {
            entries.RemoveAt(limit);
        }

        return new JournalFeedPage(entries, more ? entries[^1].Sequence : null);
    }

    private static JournalEntryPosted ToEvent(string organisationId, IReadOnlyList<FeedRow> lines)
    {
        var entry = lines[0];
        return new JournalEntryPosted
        {
            EventId = entry.EventId,
            OccurredAt = entry.CreatedAt,
            OrganisationId = organisationId,
            JournalEntryId = entry.Id,
            Sequence = entry.Sequence,
            Date = entry.Date,
            Currency = entry.Currency,
            Description = entry.Description,
            Reference = entry.Reference,
            SourceType = entry.SourceType,
            SourceId = entry.SourceId,
            ReversesJournalEntryId = entry.ReversesId,
            Lines = [.. lines.Select(l => new JournalLinePosted
            {
                LineNumber = l.LineNumber,
                AccountId = l.AccountId,
                AccountCode = l.AccountCode,
                AccountName = l.AccountName,
                AccountType = l.AccountType,
                AccountSubtype = l.AccountSubtype,
                Debit = Money.Present(l.Debit, entry.Currency),
                Credit = Money.Present(l.Credit, entry.Currency),
                Description = l.LineDescription,
                VatRole = l.VatRole,
                VatRate = Money.Percent(l.VatRate),
            })],
        };
    }

    /// <summary>Consecutive rows with the same key, as lists: the lines of one entry at a time.</summary>
    private static IEnumerable<List<T>> ChunkBy<T, TKey>(this IEnumerable<T> rows, Func<T, TKey> key)
    {
        List<T>? chunk = null;
        foreach (var row in rows)
        {
            if (chunk is not null && !EqualityComparer<TKey>.Default.Equals(key(chunk[0]), key(row)))
            {
                yield return chunk;
                chunk = null;
            }

            (chunk ??= []).Add(row);
        }

        if (chunk is not null)
        {
            yield return chunk;
        }
    }
}
