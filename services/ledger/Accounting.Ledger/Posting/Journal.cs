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

    public static readonly string[] All = [Manual, Invoice, InvoicePayment, InvoiceVoid, Bill, BillPayment, Reversal];
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
    private sealed record AccountRow(string? Id, string? Code, string? Name, string? Type, string? Subtype, bool Archived, DateOnly? ClosedThrough);

    public static async Task<Outcome<JournalEntryView>> PostAsync(
        NpgsqlTransaction transaction, Caller caller, JournalPosting posting, TimeProvider clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(posting);
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
            new { caller.OrganisationId, AccountIds = posting.Lines.Select(l => l.AccountId).Distinct().ToArray() },
            transaction, cancellationToken: cancellationToken));
        await results.ReadAsync();
        var rows = (await results.ReadAsync<AccountRow>()).AsList();

        if (rows.FirstOrDefault()?.ClosedThrough is { } closedThrough && posting.Date <= closedThrough)
        {
            return ApiError.Conflict($"The period up to {closedThrough:yyyy-MM-dd} is closed; nothing can be posted dated {posting.Date:yyyy-MM-dd}.");
        }

        var accounts = rows.Where(r => r.Id is not null).ToDictionary(r => r.Id!, StringComparer.Ordinal);
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

        var now = clock.GetUtcNow();
        var id = Ids.New("je");
        var lines = posting.Lines;
        var lineAccounts = lines.Select(l => accounts[l.AccountId]).ToList();
        // The event's id is kept with the entry, so the ledger's feed serves the very event the outbox sent.
        var eventId = Guid.CreateVersion7(now);
        // Taken last, just before the insert: the counter's row lock serialises an organisation's postings from here to commit,
        // which is what makes the series gapless and in commit order.
        long sequence = await NumberSeries.NextAsync(transaction, caller.OrganisationId, NumberSeries.JournalEntries, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO journal_entries (id, organisation_id, sequence, date, currency, description, reference, source_type, source_id, reverses_id, created_by, created_at, event_id)
            VALUES (@Id, @OrganisationId, @Sequence, @Date, @Currency, @Description, @Reference, @SourceType, @SourceId, @ReversesId, @CreatedBy, @CreatedAt, @EventId);
            INSERT INTO journal_lines (journal_entry_id, line_number, organisation_id, account_id, debit, credit, description, vat_role, vat_rate,
                                       account_code, account_name, account_type, account_subtype)
            SELECT @Id, l.line_number, @OrganisationId, l.account_id, l.debit, l.credit, l.description, l.vat_role, l.vat_rate,
                   l.account_code, l.account_name, l.account_type, l.account_subtype
            FROM unnest(@LineNumbers, @LineAccounts, @Debits, @Credits, @LineDescriptions, @VatRolesOfLines, @VatRates,
                        @AccountCodes, @AccountNames, @AccountTypes, @AccountSubtypes)
                AS l(line_number, account_id, debit, credit, description, vat_role, vat_rate, account_code, account_name, account_type, account_subtype);
            """,
            new
            {
                Id = id,
                caller.OrganisationId,
                Sequence = sequence,
                posting.Date,
                posting.Currency,
                posting.Description,
                posting.Reference,
                posting.SourceType,
                posting.SourceId,
                posting.ReversesId,
                CreatedBy = caller.PrincipalId,
                CreatedAt = now,
                LineNumbers = Enumerable.Range(1, lines.Count).ToArray(),
                LineAccounts = lines.Select(l => l.AccountId).ToArray(),
                Debits = lines.Select(l => l.Debit).ToArray(),
                Credits = lines.Select(l => l.Credit).ToArray(),
                LineDescriptions = lines.Select(l => l.Description).ToArray(),
                VatRolesOfLines = lines.Select(l => l.VatRole).ToArray(),
                VatRates = lines.Select(l => l.VatRate).ToArray(),
                AccountCodes = lineAccounts.Select(a => a.Code).ToArray(),
                AccountNames = lineAccounts.Select(a => a.Name).ToArray(),
                AccountTypes = lineAccounts.Select(a => a.Type).ToArray(),
                AccountSubtypes = lineAccounts.Select(a => a.Subtype).ToArray(),
                EventId = eventId,
            },
            transaction, cancellationToken: cancellationToken));

        var posted = lines.Select((line, index) =>
        {
            var account = lineAccounts[index];
            return new JournalLinePosted
            {
                LineNumber = index + 1,
                AccountId = line.AccountId,
                AccountCode = account.Code!,
                AccountName = account.Name!,
                AccountType = account.Type!,
                AccountSubtype = account.Subtype,
                Debit = Money.Present(line.Debit, posting.Currency),
                Credit = Money.Present(line.Credit, posting.Currency),
                Description = line.Description,
                VatRole = line.VatRole,
                VatRate = line.VatRate,
            };
        }).ToList();
        await Outbox.EnqueueAsync(transaction, new JournalEntryPosted
        {
            EventId = eventId,
            OrganisationId = caller.OrganisationId,
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
            Lines = posted,
        }, id, cancellationToken);

        return new JournalEntryView(
            id, sequence, posting.Date, posting.Description, posting.Currency, posting.Reference, new JournalSourceView(posting.SourceType, posting.SourceId),
            posting.ReversesId, null, Money.Present(lines.Sum(l => l.Debit), posting.Currency),
            [.. posted.Select(l => new JournalLineView(
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
