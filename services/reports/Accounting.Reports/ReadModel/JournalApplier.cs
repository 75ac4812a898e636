using System.Text.Json;
using Accounting.Contracts.Ledger;
using Dapper;
using Npgsql;

namespace Accounting.Reports.ReadModel;

/// <summary>
/// The one routine that changes balances, used by the live consumer, the gap filler and the
/// rebuild alike. Per organisation, entries are applied strictly in sequence: an entry at or
/// below the applied position is a duplicate and does nothing; one ahead of its predecessor is
/// parked in <c>pending_entries</c> and applied, in order, as soon as the gap fills.
/// </summary>
public sealed partial class JournalApplier(TimeProvider clock, ILogger<JournalApplier> logger)
{
    /// <summary>The channel NOTIFYed (with the organisation id) whenever an organisation's applied position moves.</summary>
    public const string AppliedChannel = "reports_applied";

    // Entries applied per statement: bounds the arrays sent in one round trip (a full batch is one).
    private const int ChunkSize = JournalEntryPostedConsumer.MessageLimit;

    private static readonly JsonSerializerOptions PendingJson = new(JsonSerializerDefaults.Web);

    /// <summary>Takes <paramref name="arrived"/> (any organisations, any order, duplicates welcome) inside <paramref name="transaction"/>.</summary>
    public async Task ReceiveAsync(NpgsqlTransaction transaction, IReadOnlyList<JournalEntryPosted> arrived, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(arrived);
        var wellFormed = new List<JournalEntryPosted>(arrived.Count);
        foreach (var entry in arrived)
        {
            if (JournalEntryShape.Problem(entry) is { } problem)
            {
                LogMalformed(logger, entry.JournalEntryId, entry.OrganisationId, entry.Sequence, problem);
            }
            else
            {
                wellFormed.Add(entry);
            }
        }

        // One organisation at a time, in a fixed order, so two transactions never wait on each other's rows.
        foreach (var organisation in wellFormed.GroupBy(e => e.OrganisationId).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            await ReceiveForAsync(transaction, organisation.Key, [.. organisation], cancellationToken);
        }
    }

    /// <summary>The organisation's applied position, locking its row until the transaction ends.</summary>
    public static async Task<long> LockPositionAsync(NpgsqlTransaction transaction, string organisationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        await transaction.Connection!.ExecuteAsync(new CommandDefinition(
            "INSERT INTO organisations (organisation_id) VALUES (@organisationId) ON CONFLICT DO NOTHING",
            new { organisationId }, transaction, cancellationToken: cancellationToken));
        return await transaction.Connection!.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT applied_sequence FROM organisations WHERE organisation_id = @organisationId FOR UPDATE",
            new { organisationId }, transaction, cancellationToken: cancellationToken));
    }

    private async Task ReceiveForAsync(NpgsqlTransaction transaction, string organisationId, List<JournalEntryPosted> entries, CancellationToken cancellationToken)
    {
        var connection = transaction.Connection!;
        var applied = await LockPositionAsync(transaction, organisationId, cancellationToken);
        var ahead = new SortedDictionary<long, JournalEntryPosted>();
        foreach (var entry in entries.Where(e => e.Sequence > applied))
        {
            ahead.TryAdd(entry.Sequence, entry);
        }

        if (ahead.Count == 0)
        {
            return;
        }

        if (ahead.First().Key != applied + 1)
        {
            await ParkAsync(transaction, ahead.Values, cancellationToken);
            return;
        }

        // The gap (if any) behind the parked entries may close now: walk on through them.
        var parked = await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT entry::text FROM pending_entries WHERE organisation_id = @organisationId AND sequence > @applied ORDER BY sequence",
            new { organisationId, applied }, transaction, cancellationToken: cancellationToken));
        var alreadyParked = new HashSet<long>();
        foreach (var json in parked)
        {
            var entry = JsonSerializer.Deserialize<JournalEntryPosted>(json, PendingJson)!;
            ahead.TryAdd(entry.Sequence, entry);
            alreadyParked.Add(entry.Sequence);
        }

        var next = applied + 1;
        var run = new List<JournalEntryPosted>();
        while (ahead.Remove(next, out var entry))
        {
            run.Add(entry);
            next++;
        }

        foreach (var chunk in run.Chunk(ChunkSize))
        {
            await ApplyInOrderAsync(transaction, organisationId, chunk, cancellationToken);
        }

        var position = next - 1;
        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE organisations SET applied_sequence = @position WHERE organisation_id = @organisationId;
            DELETE FROM pending_entries WHERE organisation_id = @organisationId AND sequence <= @position;
            SELECT pg_notify('reports_applied', @organisationId);
            """,
            new { organisationId, position }, transaction, cancellationToken: cancellationToken));
        await ParkAsync(transaction, ahead.Values.Where(e => !alreadyParked.Contains(e.Sequence)), cancellationToken);
    }

    private async Task ParkAsync(NpgsqlTransaction transaction, IEnumerable<JournalEntryPosted> entries, CancellationToken cancellationToken)
    {
        var waiting = entries.ToList();
        if (waiting.Count == 0)
        {
            return;
        }

        await transaction.Connection!.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO pending_entries (organisation_id, sequence, entry, received_at)
            SELECT @OrganisationId, s, e::jsonb, @Now FROM unnest(@Sequences, @Entries) AS p(s, e)
            ON CONFLICT DO NOTHING
            """,
            new
            {
                waiting[0].OrganisationId,
                Sequences = waiting.Select(e => e.Sequence).ToArray(),
                Entries = waiting.Select(e => JsonSerializer.Serialize(e, PendingJson)).ToArray(),
                Now = clock.GetUtcNow(),
            },
            transaction,
            cancellationToken: cancellationToken));
    }

    /// <summary>Writes the effects of consecutive entries that directly follow the applied position.</summary>
    private static async Task ApplyInOrderAsync(NpgsqlTransaction transaction, string organisationId, IReadOnlyList<JournalEntryPosted> entries, CancellationToken cancellationToken)
    {
        var lines = entries.SelectMany(e => e.Lines.Select(l => (Entry: e, Line: l))).ToList();
        var tradeSourced = entries.Where(e => TradeSources.Names(e.SourceType) && e.SourceId is not null).ToList();
        await transaction.Connection!.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO journal_lines (organisation_id, sequence, line_number, journal_entry_id, date, currency, account_id, description, debit, credit, vat_role, vat_rate)
            SELECT @OrganisationId, l.sequence, l.line_number, l.entry_id, l.date, l.currency, l.account_id, l.description, l.debit, l.credit, l.vat_role, l.vat_rate
            FROM unnest(@Sequences, @LineNumbers, @EntryIds, @Dates, @Currencies, @AccountIds, @Descriptions, @Debits, @Credits, @VatRoles, @VatRates)
                AS l(sequence, line_number, entry_id, date, currency, account_id, description, debit, credit, vat_role, vat_rate);

            INSERT INTO daily_balances AS b (organisation_id, currency, account_id, day, debit, credit)
            SELECT @OrganisationId, l.currency, l.account_id, l.date, sum(l.debit), sum(l.credit)
            FROM unnest(@Currencies, @AccountIds, @Dates, @Debits, @Credits) AS l(currency, account_id, date, debit, credit)
            GROUP BY l.currency, l.account_id, l.date
            ON CONFLICT (organisation_id, currency, account_id, day)
            DO UPDATE SET debit = b.debit + excluded.debit, credit = b.credit + excluded.credit;

            INSERT INTO monthly_balances AS m (organisation_id, currency, account_id, month, debit, credit)
            SELECT @OrganisationId, l.currency, l.account_id, date_trunc('month', l.date)::date, sum(l.debit), sum(l.credit)
            FROM unnest(@Currencies, @AccountIds, @Dates, @Debits, @Credits) AS l(currency, account_id, date, debit, credit)
            GROUP BY l.currency, l.account_id, date_trunc('month', l.date)::date
            ON CONFLICT (organisation_id, currency, account_id, month)
            DO UPDATE SET debit = m.debit + excluded.debit, credit = m.credit + excluded.credit;

            INSERT INTO accounts AS a (organisation_id, account_id, code, name, type, subtype, described_at_sequence)
            SELECT DISTINCT ON (l.account_id) @OrganisationId, l.account_id, l.code, l.name, l.type, l.subtype, l.sequence
            FROM unnest(@AccountIds, @Codes, @Names, @Types, @Subtypes, @Sequences) AS l(account_id, code, name, type, subtype, sequence)
            ORDER BY l.account_id, l.sequence DESC
            ON CONFLICT (organisation_id, account_id)
            DO UPDATE SET code = excluded.code, name = excluded.name, type = excluded.type, subtype = excluded.subtype, described_at_sequence = excluded.described_at_sequence
            WHERE a.described_at_sequence < excluded.described_at_sequence
              AND (a.code, a.name, a.type, a.subtype) IS DISTINCT FROM (excluded.code, excluded.name, excluded.type, excluded.subtype);

            INSERT INTO trade_sources (organisation_id, source_type, source_id, date)
            SELECT @OrganisationId, s.source_type, s.source_id, s.date
            FROM unnest(@SourceTypes, @SourceIds, @SourceDates) AS s(source_type, source_id, date)
            ON CONFLICT DO NOTHING;
            """,
            new
            {
                OrganisationId = organisationId,
                Sequences = lines.Select(x => x.Entry.Sequence).ToArray(),
                LineNumbers = lines.Select(x => x.Line.LineNumber).ToArray(),
                EntryIds = lines.Select(x => x.Entry.JournalEntryId).ToArray(),
                Dates = lines.Select(x => x.Entry.Date).ToArray(),
                Currencies = lines.Select(x => x.Entry.Currency).ToArray(),
                AccountIds = lines.Select(x => x.Line.AccountId).ToArray(),
                Descriptions = lines.Select(x => x.Line.Description ?? x.Entry.Description ?? "").ToArray(),
                Debits = lines.Select(x => x.Line.Debit).ToArray(),
                Credits = lines.Select(x => x.Line.Credit).ToArray(),
                VatRoles = lines.Select(x => x.Line.VatRole).ToArray(),
                VatRates = lines.Select(x => x.Line.VatRate).ToArray(),
                Codes = lines.Select(x => x.Line.AccountCode).ToArray(),
                Names = lines.Select(x => x.Line.AccountName).ToArray(),
                Types = lines.Select(x => x.Line.AccountType).ToArray(),
                Subtypes = lines.Select(x => x.Line.AccountSubtype).ToArray(),
                SourceTypes = tradeSourced.Select(e => e.SourceType).ToArray(),
                SourceIds = tradeSourced.Select(e => e.SourceId).ToArray(),
                SourceDates = tradeSourced.Select(e => e.Date).ToArray(),
            },
            transaction,
            cancellationToken: cancellationToken));
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Journal entry {JournalEntryId} of {OrganisationId} (sequence {Sequence}) is malformed and was not applied: {Problem}")]
    private static partial void LogMalformed(ILogger logger, string? journalEntryId, string? organisationId, long sequence, string problem);
}
