using Accounting.Contracts.Ledger;
using Accounting.Messaging;
using Accounting.ServiceDefaults;
using Accounting.ServiceDefaults.Errors;
using Accounting.ServiceDefaults.Identity;
using Dapper;
using Npgsql;

namespace Accounting.Ledger.Posting;

/// <summary>The per-organisation advisory lock that orders postings against period closes.</summary>
public static class PeriodLock
{
    /// <summary>SQL for the lock key of <c>@OrganisationId</c>.</summary>
    public const string Key = "hashtextextended('ledger.period:' || @OrganisationId, 0)";
}

/// <summary>What a posting line does on the VAT return; see <see cref="JournalLinePosted.VatRole"/>.</summary>
public static class VatRoles
{
    public const string OutputVat = "output_vat";
    public const string InputVat = "input_vat";
    public const string SalesNet = "sales_net";
    public const string PurchasesNet = "purchases_net";
}

/// <summary>What caused a journal entry (<c>source.type</c>).</summary>
public static class JournalSources
{
    public const string Manual = "manual";
    public const string Invoice = "invoice";
    public const string InvoicePayment = "invoice_payment";
    public const string InvoiceVoid = "invoice_void";
    public const string Bill = "bill";
    public const string BillPayment = "bill_payment";
    public const string Reversal = "reversal";

    /// <summary>A bank transaction's category: posted on categorisation, reversed when it changes.</summary>
    public const string BankTransaction = "bank_transaction";

    public static readonly string[] All = [Manual, Invoice, InvoicePayment, InvoiceVoid, Bill, BillPayment, Reversal, BankTransaction];
}

public sealed record PostingLine(string AccountId, decimal Debit, decimal Credit, string? Description, string? VatRole = null, decimal? VatRate = null);

/// <param name="FieldPrefix">Where the lines came from in the request, for error paths (<c>lines</c>), or null when the ledger built them.</param>
public sealed record JournalPosting(
    DateOnly Date,
    string Currency,
    string Description,
    string? Reference,
    string SourceType,
    string? SourceId,
    IReadOnlyList<PostingLine> Lines,
    string? ReversesId = null,
    string? FieldPrefix = null);

public sealed record JournalLineView(
    int LineNumber, string AccountId, string AccountCode, string AccountName, decimal? Debit, decimal? Credit, string? Description, string? VatRole, decimal? VatRate);

public sealed record JournalSourceView(string Type, string? Id);

/// <param name="Sequence">The entry's place in its organisation's gapless series (1, 2, 3, …), in commit order.</param>
public sealed record JournalEntryView(
    string Id, long Sequence, DateOnly Date, string Description, string Currency, string? Reference, JournalSourceView Source,
    string? ReversesId, string? ReversedById, decimal Total, IReadOnlyList<JournalLineView> Lines, DateTimeOffset CreatedAt);

/// <summary>
/// The one place entries are written. Every posting (manual, invoice, bill, payment, reversal)
/// comes through here, so balance, account and closed-period rules cannot be bypassed, and every
/// posting emits <c>journal_entry.posted</c> in its own transaction.
/// </summary>
public static class Journal
{
    // Entries per INSERT when many are posted at once: few round trips, statements of a bounded size.
    private const int EntriesPerStatement = 1000;

    private sealed record AccountRow(string? Id, string? Code, string? Name, string? Type, string? Subtype, bool Archived, DateOnly? ClosedThrough);

    /// <summary>An accepted posting with what it was given: its id, its place in the series, its event and its lines' accounts.</summary>
    private sealed record NewEntry(string Id, long Sequence, JournalPosting Posting, IReadOnlyList<AccountRow> LineAccounts, JournalEntryPosted Event);

    public static async Task<Outcome<JournalEntryView>> PostAsync(
        NpgsqlTransaction transaction, Caller caller, JournalPosting posting, TimeProvider clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(posting);
        return (await PostManyAsync(transaction, caller, [posting], clock, cancellationToken))[0];
    }

    /// <summary>
    /// Posts entries of the caller's organisation in a few round trips, whatever their number. Each
    /// is checked on its own by the rules of every posting (closed period, accounts of the
    /// organisation and not archived, debits equal credits): one the rules refuse gets its error in
    /// its place and the others are posted. The posted ones take consecutive sequences in the order
    /// given, and their <c>journal_entry.posted</c> events are enqueued in that order.
    /// </summary>
    public static async Task<IReadOnlyList<Outcome<JournalEntryView>>> PostManyAsync(
        NpgsqlTransaction transaction, Caller caller, IReadOnlyList<JournalPosting> postings, TimeProvider clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(postings);
        ArgumentNullException.ThrowIfNull(clock);
        if (postings.Count == 0)
        {
            return [];
        }

        var connection = transaction.Connection!;
        // A shared lock per organisation: postings run side by side, while a period close (which takes it exclusively)
        // waits for those in flight and holds new ones back until it commits. The lock is its own statement, so the
        // next one reads closed_through with a snapshot taken after any close it waited for.
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(
            $$"""
            SELECT pg_advisory_xact_lock_shared({{PeriodLock.Key}});
            SELECT a.id, a.code, a.name, a.type, a.subtype, coalesce(a.archived, false) AS archived, o.closed_through
            FROM ledger_organisations o
            LEFT JOIN accounts a ON a.organisation_id = o.organisation_id AND a.id = ANY(@AccountIds)
            WHERE o.organisation_id = @OrganisationId
            """,
            new { caller.OrganisationId, AccountIds = postings.SelectMany(p => p.Lines).Select(l => l.AccountId).Distinct(StringComparer.Ordinal).ToArray() },
            transaction, cancellationToken: cancellationToken));
        await results.ReadAsync();
        var rows = (await results.ReadAsync<AccountRow>()).AsList();
        var closedThrough = rows.FirstOrDefault()?.ClosedThrough;
        var accounts = rows.Where(r => r.Id is not null).ToDictionary(r => r.Id!, StringComparer.Ordinal);

        var outcomes = new Outcome<JournalEntryView>[postings.Count];
        var accepted = new List<int>(postings.Count);
        for (var i = 0; i < postings.Count; i++)
        {
            if (Refusal(postings[i], closedThrough, accounts) is { } refusal)
            {
                outcomes[i] = refusal;
            }
            else
            {
                accepted.Add(i);
            }
        }

        if (accepted.Count == 0)
        {
            return outcomes;
        }

        var now = clock.GetUtcNow();
        // Taken last, just before the inserts: the counter's row lock serialises an organisation's postings from here to commit,
        // which is what makes the series gapless and in commit order.
        long first = await NumberSeries.TakeAsync(transaction, caller.OrganisationId, NumberSeries.JournalEntries, accepted.Count, cancellationToken);
        var entries = accepted.Select((index, n) => NewEntryOf(caller.OrganisationId, postings[index], first + n, accounts, now)).ToList();
        foreach (var chunk in entries.Chunk(EntriesPerStatement))
        {
            await InsertAsync(transaction, caller, chunk, now, cancellationToken);
        }

        await Outbox.EnqueueManyAsync(transaction, [.. entries.Select(e => new OutboxEntry(e.Event, e.Id))], cancellationToken);
        for (var n = 0; n < entries.Count; n++)
        {
            outcomes[accepted[n]] = ViewOf(entries[n], now);
        }

        return outcomes;
    }

    /// <summary>Why <paramref name="posting"/> cannot be posted, or null when it can.</summary>
    private static ApiError? Refusal(JournalPosting posting, DateOnly? closedThrough, Dictionary<string, AccountRow> accounts)
    {
        if (closedThrough is { } closed && posting.Date <= closed)
        {
            return ApiError.Conflict($"The period up to {closed:yyyy-MM-dd} is closed; nothing can be posted dated {posting.Date:yyyy-MM-dd}.");
        }

        var problems = new List<FieldError>();
        for (var i = 0; i < posting.Lines.Count; i++)
        {
            var field = posting.FieldPrefix is null ? "account_id" : $"{posting.FieldPrefix}[{i}].account_id";
            if (!accounts.TryGetValue(posting.Lines[i].AccountId, out var account))
            {
                problems.Add(new FieldError(field, "No such account in this organisation."));
            }
            else if (account.Archived)
            {
                problems.Add(new FieldError(field, $"Account {account.Code} {account.Name} is archived; nothing can be posted to it."));
            }
        }

        if (problems.Count > 0)
        {
            return ApiError.ValidationFailed(problems);
        }

        var debits = posting.Lines.Sum(l => l.Debit);
        var credits = posting.Lines.Sum(l => l.Credit);
        return debits == credits
            ? null
            : ApiError.ValidationFailed(posting.FieldPrefix ?? "lines", $"The entry does not balance: debits total {debits}, credits total {credits}.");
    }

    private static NewEntry NewEntryOf(string organisationId, JournalPosting posting, long sequence, Dictionary<string, AccountRow> accounts, DateTimeOffset now)
    {
        var id = Ids.New("je");
        var lineAccounts = posting.Lines.Select(l => accounts[l.AccountId]).ToList();
        return new NewEntry(id, sequence, posting, lineAccounts, new JournalEntryPosted
        {
            // The event's id is kept with the entry, so the ledger's feed serves the very event the outbox sent.
            EventId = Guid.CreateVersion7(now),
            OrganisationId = organisationId,
            OccurredAt = now,
            JournalEntryId = id,
            Sequence = sequence,
            Date = posting.Date,
            Currency = posting.Currency,
            Description = posting.Description,
            Reference = posting.Reference,
            SourceType = posting.SourceType,
            SourceId = posting.SourceId,
            ReversesJournalEntryId = posting.ReversesId,
            Lines = [.. posting.Lines.Select((line, index) => new JournalLinePosted
            {
                LineNumber = index + 1,
                AccountId = line.AccountId,
                AccountCode = lineAccounts[index].Code!,
                AccountName = lineAccounts[index].Name!,
                AccountType = lineAccounts[index].Type!,
                AccountSubtype = lineAccounts[index].Subtype,
                Debit = Money.Present(line.Debit, posting.Currency),
                Credit = Money.Present(line.Credit, posting.Currency),
                Description = line.Description,
                VatRole = line.VatRole,
                VatRate = line.VatRate,
            })],
        });
    }

    private static Task<int> InsertAsync(NpgsqlTransaction transaction, Caller caller, IReadOnlyList<NewEntry> entries, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var lines = entries.SelectMany(e => e.Posting.Lines.Select((line, index) => (Entry: e, Line: line, Number: index + 1, Account: e.LineAccounts[index]))).ToList();
        return transaction.Connection!.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO journal_entries (id, organisation_id, sequence, date, currency, description, reference, source_type, source_id, reverses_id, created_by, created_at, event_id)
            SELECT e.id, @OrganisationId, e.sequence, e.date, e.currency, e.description, e.reference, e.source_type, e.source_id, e.reverses_id, @CreatedBy, @CreatedAt, e.event_id
            FROM unnest(@Ids, @Sequences, @Dates, @Currencies, @Descriptions, @References, @SourceTypes, @SourceIds, @ReversesIds, @EventIds)
                AS e(id, sequence, date, currency, description, reference, source_type, source_id, reverses_id, event_id);
            INSERT INTO journal_lines (journal_entry_id, line_number, organisation_id, account_id, debit, credit, description, vat_role, vat_rate,
                                       account_code, account_name, account_type, account_subtype)
            SELECT l.journal_entry_id, l.line_number, @OrganisationId, l.account_id, l.debit, l.credit, l.description, l.vat_role, l.vat_rate,
                   l.account_code, l.account_name, l.account_type, l.account_subtype
            FROM unnest(@LineEntryIds, @LineNumbers, @LineAccounts, @Debits, @Credits, @LineDescriptions, @VatRolesOfLines, @VatRates,
                        @AccountCodes, @AccountNames, @AccountTypes, @AccountSubtypes)
                AS l(journal_entry_id, line_number, account_id, debit, credit, description, vat_role, vat_rate, account_code, account_name, account_type, account_subtype);
            """,
            new
            {
                caller.OrganisationId,
                CreatedBy = caller.PrincipalId,
                CreatedAt = now,
                Ids = entries.Select(e => e.Id).ToArray(),
                Sequences = entries.Select(e => e.Sequence).ToArray(),
                Dates = entries.Select(e => e.Posting.Date).ToArray(),
                Currencies = entries.Select(e => e.Posting.Currency).ToArray(),
                Descriptions = entries.Select(e => e.Posting.Description).ToArray(),
                References = entries.Select(e => e.Posting.Reference).ToArray(),
                SourceTypes = entries.Select(e => e.Posting.SourceType).ToArray(),
                SourceIds = entries.Select(e => e.Posting.SourceId).ToArray(),
                ReversesIds = entries.Select(e => e.Posting.ReversesId).ToArray(),
                EventIds = entries.Select(e => e.Event.EventId).ToArray(),
                LineEntryIds = lines.Select(l => l.Entry.Id).ToArray(),
                LineNumbers = lines.Select(l => l.Number).ToArray(),
                LineAccounts = lines.Select(l => l.Line.AccountId).ToArray(),
                Debits = lines.Select(l => l.Line.Debit).ToArray(),
                Credits = lines.Select(l => l.Line.Credit).ToArray(),
                LineDescriptions = lines.Select(l => l.Line.Description).ToArray(),
                VatRolesOfLines = lines.Select(l => l.Line.VatRole).ToArray(),
                VatRates = lines.Select(l => l.Line.VatRate).ToArray(),
                AccountCodes = lines.Select(l => l.Account.Code).ToArray(),
                AccountNames = lines.Select(l => l.Account.Name).ToArray(),
                AccountTypes = lines.Select(l => l.Account.Type).ToArray(),
                AccountSubtypes = lines.Select(l => l.Account.Subtype).ToArray(),
            },
            transaction, cancellationToken: cancellationToken));
    }

    private static JournalEntryView ViewOf(NewEntry entry, DateTimeOffset now)
    {
        var posting = entry.Posting;
        return new JournalEntryView(
            entry.Id, entry.Sequence, posting.Date, posting.Description, posting.Currency, posting.Reference, new JournalSourceView(posting.SourceType, posting.SourceId),
            posting.ReversesId, null, Money.Present(posting.Lines.Sum(l => l.Debit), posting.Currency),
            [.. entry.Event.Lines.Select(l => new JournalLineView(
                l.LineNumber, l.AccountId, l.AccountCode, l.AccountName, NullIfZero(l.Debit, posting.Currency), NullIfZero(l.Credit, posting.Currency),
                l.Description, l.VatRole, l.VatRate))],
            now);
    }

    /// <summary>
    /// Posts the mirror image of <paramref name="entryId"/> dated <paramref name="date"/> and links the two.
    /// Null when the entry does not exist in the caller's organisation.
    /// </summary>
    public static async Task<Outcome<JournalEntryView>?> ReverseAsync(
        NpgsqlTransaction transaction, Caller caller, string entryId, DateOnly? date, string sourceType, string sourceId, TimeProvider clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(caller);
        var original = await LoadAsync(transaction.Connection!, caller.OrganisationId, entryId, transaction, forUpdate: true, cancellationToken);
        if (original is null)
        {
            return null;
        }

        if (original.ReversedById is not null)
        {
            return ApiError.Conflict($"Journal entry {entryId} was already reversed by {original.ReversedById}.");
        }

        if (original.ReversesId is not null)
        {
            return ApiError.Conflict($"Journal entry {entryId} is itself a reversal; post a new entry instead.");
        }

        var reversal = await PostAsync(transaction, caller, new JournalPosting(
            date ?? original.Date,
            original.Currency,
            $"Reversal of {original.Description}",
            original.Reference,
            sourceType,
            sourceId,
            [.. original.Lines.Select(l => new PostingLine(l.AccountId, l.Credit ?? 0, l.Debit ?? 0, l.Description, l.VatRole, l.VatRate))],
            ReversesId: entryId), clock, cancellationToken);
        if (reversal.Value is { } posted)
        {
            await transaction.Connection!.ExecuteAsync(new CommandDefinition(
                "UPDATE journal_entries SET reversed_by_id = @ReversalId WHERE id = @Id AND organisation_id = @OrganisationId",
                new { ReversalId = posted.Id, Id = entryId, caller.OrganisationId }, transaction, cancellationToken: cancellationToken));
        }

        return reversal;
    }

    /// <summary>The <see cref="JournalSources"/> value of an entry, or null when it is not in the organisation.</summary>
    public static Task<string?> SourceOfAsync(NpgsqlTransaction transaction, string organisationId, string entryId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return transaction.Connection!.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(
            "SELECT source_type FROM journal_entries WHERE id = @Id AND organisation_id = @OrganisationId",
            new { Id = entryId, OrganisationId = organisationId }, transaction, cancellationToken: cancellationToken));
    }

    private sealed record EntryRow(
        string Id, long Sequence, DateOnly Date, string Description, string Currency, string? Reference, string SourceType, string? SourceId,
        string? ReversesId, string? ReversedById, DateTimeOffset CreatedAt);

    private sealed record LineRow(
        string JournalEntryId, int LineNumber, string AccountId, string AccountCode, string AccountName, decimal Debit, decimal Credit,
        string? Description, string? VatRole, decimal? VatRate);

    public static async Task<JournalEntryView?> LoadAsync(
        NpgsqlConnection connection, string organisationId, string entryId, NpgsqlTransaction? transaction, bool forUpdate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var entry = await connection.QuerySingleOrDefaultAsync<EntryRow>(new CommandDefinition(
            $"""
            SELECT id, sequence, date, description, currency, reference, source_type, source_id, reverses_id, reversed_by_id, created_at
            FROM journal_entries WHERE id = @Id AND organisation_id = @OrganisationId {(forUpdate ? "FOR UPDATE" : "")}
            """,
            new { Id = entryId, OrganisationId = organisationId }, transaction, cancellationToken: cancellationToken));
        return entry is null ? null : (await ViewsAsync(connection, organisationId, [entry], transaction, cancellationToken))[0];
    }

    public static async Task<IReadOnlyList<JournalEntryView>> ListAsync(
        NpgsqlConnection connection, string organisationId, string filterSql, object parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var entries = (await connection.QueryAsync<EntryRow>(new CommandDefinition(
            $"""
            SELECT id, sequence, date, description, currency, reference, source_type, source_id, reverses_id, reversed_by_id, created_at
            FROM journal_entries e WHERE e.organisation_id = @OrganisationId {filterSql}
            ORDER BY created_at DESC, id LIMIT @Limit OFFSET @Offset
            """,
            parameters, cancellationToken: cancellationToken))).AsList();
        return await ViewsAsync(connection, organisationId, entries, null, cancellationToken);
    }

    private static async Task<IReadOnlyList<JournalEntryView>> ViewsAsync(
        NpgsqlConnection connection, string organisationId, IReadOnlyList<EntryRow> entries, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        var lines = (await connection.QueryAsync<LineRow>(new CommandDefinition(
            """
            SELECT l.journal_entry_id, l.line_number, l.account_id, a.code AS account_code, a.name AS account_name, l.debit, l.credit,
                   l.description, l.vat_role, l.vat_rate
            FROM journal_lines l JOIN accounts a ON a.id = l.account_id
            WHERE l.organisation_id = @OrganisationId AND l.journal_entry_id = ANY(@Ids)
            ORDER BY l.journal_entry_id, l.line_number
            """,
            new { OrganisationId = organisationId, Ids = entries.Select(e => e.Id).ToArray() }, transaction, cancellationToken: cancellationToken)))
            .ToLookup(l => l.JournalEntryId, StringComparer.Ordinal);
        return [.. entries.Select(e => new JournalEntryView(
            e.Id, e.Sequence, e.Date, e.Description, e.Currency, e.Reference, new JournalSourceView(e.SourceType, e.SourceId), e.ReversesId, e.ReversedById,
            Money.Present(lines[e.Id].Sum(l => l.Debit), e.Currency),
            [.. lines[e.Id].Select(l => new JournalLineView(
                l.LineNumber, l.AccountId, l.AccountCode, l.AccountName, NullIfZero(l.Debit, e.Currency), NullIfZero(l.Credit, e.Currency),
                l.Description, l.VatRole, Money.Percent(l.VatRate)))],
            e.CreatedAt))];
    }

    private static decimal? NullIfZero(decimal amount, string currency) => amount == 0 ? null : Money.Present(amount, currency);
}
