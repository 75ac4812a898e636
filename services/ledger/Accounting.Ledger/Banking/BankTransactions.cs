using Accounting.Contracts.Ledger;
using Accounting.Ledger.Banking.Categorisation;
using Accounting.Ledger.Organisations;
using Accounting.Ledger.Posting;
using Accounting.Messaging;
using Accounting.ServiceDefaults;
using Accounting.ServiceDefaults.Errors;
using Accounting.ServiceDefaults.Identity;
using Dapper;
using Npgsql;

namespace Accounting.Ledger.Banking;

/// <summary>A bank transaction to record, already validated against its bank account (<see cref="BankTransactionRules"/>).</summary>
/// <param name="Amount">Signed, in the bank account's currency: negative is money out.</param>
/// <param name="ExternalId">The statement's own id for the row (OFX <c>FITID</c>), kept for duplicate detection.</param>
public sealed record NewBankTransaction(DateOnly Date, string Description, decimal Amount, string? Reference, string? ExternalId = null);

public sealed record BankTransactionView(
    string Id, DateOnly Date, string Description, decimal Amount, string Currency, string? Reference, string BankAccountId,
    CategoryReference? Category, decimal? Confidence, string? CategorisedBy, CategoryReference? SuggestedCategory, string? JournalEntryId, string? Notes,
    string? ImportId, string? PaymentId, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>A category with the account a categorised transaction posts to.</summary>
internal sealed record CategoryAccount(string Id, string Slug, string Name, string AccountId, bool AccountArchived);

/// <summary>
/// Everything creating transactions needs from the organisation, loaded once per batch (a request,
/// a whole statement import): its categories, its categoriser trained on its own history, its threshold.
/// </summary>
public sealed class CategorisationContext
{
    internal CategorisationContext(IReadOnlyDictionary<string, CategoryAccount> categories, Categoriser categoriser, decimal threshold)
    {
        Categories = categories;
        Categoriser = categoriser;
        Threshold = threshold;
    }

    internal IReadOnlyDictionary<string, CategoryAccount> Categories { get; }

    public Categoriser Categoriser { get; }

    /// <summary>Suggestions with at least this confidence are categorised at once.</summary>
    public decimal Threshold { get; }
}

/// <summary>
/// Bank transactions (contract §5.1): recording them (API, imports, payments) with the categoriser's
/// guess, and categorising them, which posts through <see cref="Journal"/> in the same transaction.
/// </summary>
public static class BankTransactions
{
    public const string ByUser = "user";
    public const string ByAuto = "auto";

    // The categoriser learns from this many of the organisation's most recent categorisations.
    private const int HistoryLimit = 20_000;

    private const int RowsPerChunk = 5000;

    private const string Columns = """
        t.id, t.bank_account_id, t.date, t.description, t.amount, t.currency, t.reference, t.normalised_payee, t.category_id, c.name AS category_name,
        t.categorised_by, t.confidence, t.suggested_category_id, s.name AS suggested_category_name, t.journal_entry_id, t.payment_id, t.notes,
        t.import_id, t.external_id, t.created_at, t.updated_at
        """;

    private const string From = """
        bank_transactions t
        LEFT JOIN categories c ON c.id = t.category_id
        LEFT JOIN categories s ON s.id = t.suggested_category_id
        """;

    internal sealed record TransactionRow(
        string Id, string BankAccountId, DateOnly Date, string Description, decimal Amount, string Currency, string? Reference, string NormalisedPayee,
        string? CategoryId, string? CategoryName, string? CategorisedBy, decimal? Confidence, string? SuggestedCategoryId, string? SuggestedCategoryName,
        string? JournalEntryId, string? PaymentId, string? Notes, string? ImportId, string? ExternalId, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

    private sealed record HistoryRow(string NormalisedPayee, decimal Amount, string CategoryId, string CategorisedBy, DateOnly Date);

    /// <summary>Loads what <see cref="CreateAsync"/> needs; call it once per batch of transactions.</summary>
    public static async Task<CategorisationContext> PrepareAsync(NpgsqlTransaction transaction, string organisationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var connection = transaction.Connection!;
        var categories = (await connection.QueryAsync<CategoryAccount>(new CommandDefinition(
            """
            SELECT c.id, c.slug, c.name, c.account_id, a.archived AS account_archived
            FROM categories c JOIN accounts a ON a.id = c.account_id WHERE c.organisation_id = @OrganisationId
            """,
            new { OrganisationId = organisationId }, transaction, cancellationToken: cancellationToken))).ToDictionary(c => c.Id, StringComparer.Ordinal);
        var history = await connection.QueryAsync<HistoryRow>(new CommandDefinition(
            """
            SELECT normalised_payee, amount, category_id, categorised_by, date FROM bank_transactions
            WHERE organisation_id = @OrganisationId AND category_id IS NOT NULL
            ORDER BY categorised_at DESC LIMIT @Limit
            """,
            new { OrganisationId = organisationId, Limit = HistoryLimit }, transaction, cancellationToken: cancellationToken));
        var categoriser = new Categoriser(
            categories.Values.Where(c => !c.AccountArchived).Select(c => new CategoryOption(c.Id, c.Slug, c.Name)),
            history.Select(h => new CategorisedExample(h.NormalisedPayee, h.Amount > 0, h.CategoryId, h.CategorisedBy == ByUser, h.Date)));
        var settings = await OrganisationSettingsStore.GetAsync(transaction.Connection!, organisationId, cancellationToken, transaction);
        return new CategorisationContext(categories, categoriser, settings.AutoCategoriseThreshold);
    }

    /// <summary>
    /// Records transactions of one bank account, each with the categoriser's guess; those it is sure
    /// enough of (confidence ≥ the organisation's threshold) are categorised and posted at once, unless
    /// dated in a closed period, where the guess stays a suggestion. Emits transaction.created for each
    /// and transaction.categorised for each categorised one, all in <paramref name="transaction"/>.
    /// </summary>
    public static async Task<IReadOnlyList<BankTransactionView>> CreateAsync(
        NpgsqlTransaction transaction, Caller caller, BankAccount account, IReadOnlyList<NewBankTransaction> transactions, string? importId,
        CategorisationContext context, TimeProvider clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(transactions);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(clock);
        var now = clock.GetUtcNow();
        var views = new List<BankTransactionView>(transactions.Count);
        // A statement import at a time would hold every row, entry and event of 50,000 rows at once; a chunk at a time bounds that.
        foreach (var chunk in transactions.Chunk(RowsPerChunk))
        {
            var rows = await CreateChunkAsync(transaction, caller, account, chunk, importId, context, clock, now, cancellationToken);
            views.AddRange(rows.Select(ToView));
        }

        return views;
    }

    private static async Task<List<TransactionRow>> CreateChunkAsync(
        NpgsqlTransaction transaction, Caller caller, BankAccount account, NewBankTransaction[] transactions, string? importId,
        CategorisationContext context, TimeProvider clock, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var rows = new List<TransactionRow>(transactions.Length);
        // The rows the categoriser is sure enough of, with the account their category posts to: posted together below.
        var sure = new List<(int Row, CategoryAccount Category)>();
        foreach (var created in transactions)
        {
            var payee = PayeeNormaliser.Normalise(created.Description);
            var suggestion = context.Categoriser.Suggest(created.Description, payee, created.Amount);
            if (suggestion is { } guess && guess.Confidence >= context.Threshold && context.Categories[guess.Category.Id] is { AccountArchived: false } category)
            {
                sure.Add((rows.Count, category));
            }

            rows.Add(new TransactionRow(
                Ids.New("txn"), account.Id, created.Date, created.Description, created.Amount, account.Currency, created.Reference, payee,
                null, null, null, suggestion?.Confidence, suggestion?.Category.Id, suggestion?.Category.Name, null, null, null, importId, created.ExternalId, now, now));
        }

        // A posting the journal refuses (a closed period) leaves its transaction with the suggestion only.
        var posted = await Journal.PostManyAsync(
            transaction, caller, [.. sure.Select(s => CategoryPosting(account.LedgerAccountId, rows[s.Row], s.Category.AccountId))], clock, cancellationToken);
        for (var i = 0; i < sure.Count; i++)
        {
            if (posted[i].Value is { } entry)
            {
                var (index, category) = sure[i];
                rows[index] = rows[index] with { CategoryId = category.Id, CategoryName = category.Name, CategorisedBy = ByAuto, JournalEntryId = entry.Id };
            }
        }

        await InsertAsync(transaction, caller.OrganisationId, rows, cancellationToken);
        var events = new List<OutboxEntry>(rows.Count + sure.Count);
        foreach (var row in rows)
        {
            events.Add(new OutboxEntry(Created(caller.OrganisationId, row, now), row.Id));
            if (row.CategoryId is not null)
            {
                events.Add(new OutboxEntry(Categorised(caller.OrganisationId, row, previous: null, reversalId: null, now), row.Id));
            }
        }

        await Outbox.EnqueueManyAsync(transaction, events, cancellationToken);
        return rows;
    }

    /// <summary>
    /// The bank line of an invoice or bill payment into or out of <paramref name="account"/>: already
    /// accounted for by the payment's entry (reconciled), so it is neither categorised nor suggested.
    /// </summary>
    internal static async Task RecordPaymentAsync(
        NpgsqlTransaction transaction, string organisationId, BankAccount account, string paymentId, DateOnly date, string description, decimal signedAmount,
        string? reference, string journalEntryId, TimeProvider clock, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var row = new TransactionRow(
            Ids.New("txn"), account.Id, date, description, signedAmount, account.Currency, reference, PayeeNormaliser.Normalise(description),
            null, null, null, null, null, null, journalEntryId, paymentId, null, null, null, now, now);
        await InsertAsync(transaction, organisationId, [row], cancellationToken);
        await Outbox.EnqueueAsync(transaction, Created(organisationId, row, now), row.Id, cancellationToken);
    }

    /// <summary>
    /// Sets, changes or clears (<paramref name="categoryId"/> null) a transaction's category as a user:
    /// reverses the previous category's entry and posts the new one, dated the transaction's date.
    /// </summary>
    internal static async Task<Outcome<TransactionRow>> CategoriseAsync(
        NpgsqlTransaction transaction, Caller caller, TransactionRow row, string? categoryId, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (row.PaymentId is not null)
        {
            return ApiError.Conflict($"Transaction {row.Id} records payment {row.PaymentId}, which already accounts for it; it takes no category.");
        }

        if (categoryId == row.CategoryId && (categoryId is null || row.CategorisedBy == ByUser))
        {
            return row;
        }

        CategoryAccount? category = null;
        if (categoryId is not null)
        {
            category = await transaction.Connection!.QuerySingleOrDefaultAsync<CategoryAccount>(new CommandDefinition(
                """
                SELECT c.id, c.slug, c.name, c.account_id, a.archived AS account_archived
                FROM categories c JOIN accounts a ON a.id = c.account_id WHERE c.id = @Id AND c.organisation_id = @OrganisationId
                """,
                new { Id = categoryId, caller.OrganisationId }, transaction, cancellationToken: cancellationToken));
            if (category is null)
            {
                return ApiError.ValidationFailed("category_id", "No such category in this organisation.");
            }

            if (category.AccountArchived)
            {
                return ApiError.ValidationFailed("category_id", $"The category's account is archived; {category.Name} cannot be used until it is restored.");
            }
        }

        var now = clock.GetUtcNow();
        var previous = row.CategoryId is null ? null : new CategoryReference(row.CategoryId, row.CategoryName!);
        if (categoryId == row.CategoryId)
        {
            // The user confirms the categoriser's choice: the posting stands, only who decided changes.
            var confirmed = row with { CategorisedBy = ByUser, UpdatedAt = now };
            await SaveCategoryAsync(transaction, caller.OrganisationId, confirmed, now, cancellationToken);
            await Outbox.EnqueueAsync(transaction, Categorised(caller.OrganisationId, confirmed, previous, null, now), row.Id, cancellationToken);
            return confirmed;
        }

        string? reversalId = null;
        if (row.JournalEntryId is { } postedEntry)
        {
            var reversal = await Journal.ReverseAsync(transaction, caller, postedEntry, row.Date, JournalSources.BankTransaction, row.Id, clock, cancellationToken);
            if (reversal?.Error is { } error)
            {
                return error;
            }

            reversalId = reversal?.Value?.Id;
        }

        var updated = row with { CategoryId = null, CategoryName = null, CategorisedBy = null, JournalEntryId = null, UpdatedAt = now };
        if (category is not null)
        {
            var bankLedgerAccountId = await LedgerAccountOfAsync(transaction, caller.OrganisationId, row.BankAccountId, cancellationToken);
            var posted = await Journal.PostAsync(transaction, caller, CategoryPosting(bankLedgerAccountId, row, category.AccountId), clock, cancellationToken);
            if (posted.Error is { } error)
            {
                return error;
            }

            updated = updated with { CategoryId = category.Id, CategoryName = category.Name, CategorisedBy = ByUser, JournalEntryId = posted.Value!.Id };
        }

        await SaveCategoryAsync(transaction, caller.OrganisationId, updated, now, cancellationToken);
        await Outbox.EnqueueAsync(transaction, Categorised(caller.OrganisationId, updated, previous, reversalId, now), row.Id, cancellationToken);
        return updated;
    }

    internal static async Task<TransactionRow> SetNotesAsync(NpgsqlTransaction transaction, string organisationId, TransactionRow row, string? notes, TimeProvider clock, CancellationToken cancellationToken)
    {
        var updated = row with { Notes = notes, UpdatedAt = clock.GetUtcNow() };
        await transaction.Connection!.ExecuteAsync(new CommandDefinition(
            "UPDATE bank_transactions SET notes = @Notes, updated_at = @UpdatedAt WHERE id = @Id AND organisation_id = @OrganisationId",
            new { updated.Notes, updated.UpdatedAt, updated.Id, OrganisationId = organisationId }, transaction, cancellationToken: cancellationToken));
        return updated;
    }

    internal static Task<TransactionRow?> LoadRowAsync(
        NpgsqlConnection connection, string organisationId, string id, NpgsqlTransaction? transaction, bool forUpdate, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<TransactionRow>(new CommandDefinition(
            $"SELECT {Columns} FROM {From} WHERE t.id = @Id AND t.organisation_id = @OrganisationId {(forUpdate ? "FOR UPDATE OF t" : "")}",
            new { Id = id, OrganisationId = organisationId }, transaction, cancellationToken: cancellationToken));

    public sealed record ListFilter(
        DateOnly? From, DateOnly? To, string? CategoryId, bool? Uncategorised, string? BankAccountId, decimal? MinAmount, decimal? MaxAmount, string? Query, string? ImportId);

    public static async Task<(IReadOnlyList<BankTransactionView> Page, long Total)> ListAsync(
        NpgsqlConnection connection, string organisationId, ListFilter filter, int limit, int offset, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(filter);
        const string Where = """
            t.organisation_id = @OrganisationId
            AND (@From::date IS NULL OR t.date >= @From) AND (@To::date IS NULL OR t.date <= @To)
            AND (@CategoryId::text IS NULL OR t.category_id = @CategoryId)
            AND (@Uncategorised::boolean IS NULL OR (t.category_id IS NULL AND t.payment_id IS NULL) = @Uncategorised)
            AND (@BankAccountId::text IS NULL OR t.bank_account_id = @BankAccountId)
            AND (@MinAmount::numeric IS NULL OR t.amount >= @MinAmount) AND (@MaxAmount::numeric IS NULL OR t.amount <= @MaxAmount)
            AND (@Pattern::text IS NULL OR lower(t.description) LIKE @Pattern)
            AND (@ImportId::text IS NULL OR t.import_id = @ImportId)
            """;
        var parameters = new
        {
            OrganisationId = organisationId, filter.From, filter.To, filter.CategoryId, filter.Uncategorised, filter.BankAccountId, filter.MinAmount, filter.MaxAmount,
            Pattern = filter.Query is null ? null : $"%{EscapeLike(filter.Query.ToLowerInvariant())}%", filter.ImportId, Limit = limit, Offset = offset,
        };
        var rows = await connection.QueryAsync<TransactionRow>(new CommandDefinition(
            $"SELECT {Columns} FROM {From} WHERE {Where} ORDER BY t.date DESC, t.created_at DESC, t.id LIMIT @Limit OFFSET @Offset",
            parameters, cancellationToken: cancellationToken));
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT count(*) FROM bank_transactions t WHERE {Where}", parameters, cancellationToken: cancellationToken));
        return ([.. rows.Select(ToView)], total);
    }

    internal static BankTransactionView ToView(TransactionRow row) => new(
        row.Id, row.Date, row.Description, Money.Present(row.Amount, row.Currency), row.Currency, row.Reference, row.BankAccountId,
        row.CategoryId is null ? null : new CategoryReference(row.CategoryId, row.CategoryName!),
        row.CategorisedBy == ByUser ? 1m : row.Confidence,
        row.CategorisedBy,
        row.SuggestedCategoryId is null ? null : new CategoryReference(row.SuggestedCategoryId, row.SuggestedCategoryName!),
        row.JournalEntryId, row.Notes, row.ImportId, row.PaymentId, row.CreatedAt, row.UpdatedAt);

    /// <summary>The entry of a categorised transaction, dated the transaction's date, between its bank's ledger account and its category's.</summary>
    private static JournalPosting CategoryPosting(string bankLedgerAccountId, TransactionRow row, string categoryAccountId)
    {
        var value = Math.Abs(row.Amount);
        // Money out: the category's account is debited (an expense, an asset bought, a liability paid) and the bank credited; money in, the reverse.
        PostingLine[] lines = row.Amount < 0
            ? [new(categoryAccountId, value, 0, row.Description), new(bankLedgerAccountId, 0, value, row.Description)]
            : [new(bankLedgerAccountId, value, 0, row.Description), new(categoryAccountId, 0, value, row.Description)];
        return new JournalPosting(row.Date, row.Currency, row.Description, row.Reference, JournalSources.BankTransaction, row.Id, lines);
    }

    private static Task<string> LedgerAccountOfAsync(NpgsqlTransaction transaction, string organisationId, string bankAccountId, CancellationToken cancellationToken) =>
        transaction.Connection!.QuerySingleAsync<string>(new CommandDefinition(
            "SELECT ledger_account_id FROM bank_accounts WHERE id = @Id AND organisation_id = @OrganisationId",
            new { Id = bankAccountId, OrganisationId = organisationId }, transaction, cancellationToken: cancellationToken));

    private static Task<int> SaveCategoryAsync(NpgsqlTransaction transaction, string organisationId, TransactionRow row, DateTimeOffset now, CancellationToken cancellationToken) =>
        transaction.Connection!.ExecuteAsync(new CommandDefinition(
            """
            UPDATE bank_transactions SET category_id = @CategoryId, categorised_by = @CategorisedBy, categorised_at = CASE WHEN @CategoryId::text IS NULL THEN NULL ELSE @Now END,
                journal_entry_id = @JournalEntryId, updated_at = @Now
            WHERE id = @Id AND organisation_id = @OrganisationId
            """,
            new { row.CategoryId, row.CategorisedBy, row.JournalEntryId, Now = now, row.Id, OrganisationId = organisationId }, transaction, cancellationToken: cancellationToken));

    private static Task<int> InsertAsync(NpgsqlTransaction transaction, string organisationId, List<TransactionRow> rows, CancellationToken cancellationToken) =>
        transaction.Connection!.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO bank_transactions (id, organisation_id, bank_account_id, date, description, amount, currency, reference, normalised_payee, category_id,
                categorised_by, categorised_at, confidence, suggested_category_id, journal_entry_id, payment_id, import_id, external_id, created_at, updated_at)
            SELECT t.id, @OrganisationId, t.bank_account_id, t.date, t.description, t.amount, t.currency, t.reference, t.normalised_payee, t.category_id,
                t.categorised_by, CASE WHEN t.category_id IS NULL THEN NULL ELSE @Now END, t.confidence, t.suggested_category_id, t.journal_entry_id,
                t.payment_id, t.import_id, t.external_id, @Now, @Now
            FROM unnest(@Ids, @BankAccountIds, @Dates, @Descriptions, @Amounts, @Currencies, @References, @Payees, @CategoryIds, @CategorisedBy,
                @Confidences, @SuggestedIds, @EntryIds, @PaymentIds, @ImportIds, @ExternalIds)
                AS t(id, bank_account_id, date, description, amount, currency, reference, normalised_payee, category_id, categorised_by, confidence,
                     suggested_category_id, journal_entry_id, payment_id, import_id, external_id)
            """,
            new
            {
                OrganisationId = organisationId,
                Now = rows.Count == 0 ? default : rows[0].CreatedAt,
                Ids = rows.Select(r => r.Id).ToArray(),
                BankAccountIds = rows.Select(r => r.BankAccountId).ToArray(),
                Dates = rows.Select(r => r.Date).ToArray(),
                Descriptions = rows.Select(r => r.Description).ToArray(),
                Amounts = rows.Select(r => r.Amount).ToArray(),
                Currencies = rows.Select(r => r.Currency).ToArray(),
                References = rows.Select(r => r.Reference).ToArray(),
                Payees = rows.Select(r => r.NormalisedPayee).ToArray(),
                CategoryIds = rows.Select(r => r.CategoryId).ToArray(),
                CategorisedBy = rows.Select(r => r.CategorisedBy).ToArray(),
                Confidences = rows.Select(r => r.Confidence).ToArray(),
                SuggestedIds = rows.Select(r => r.SuggestedCategoryId).ToArray(),
                EntryIds = rows.Select(r => r.JournalEntryId).ToArray(),
                PaymentIds = rows.Select(r => r.PaymentId).ToArray(),
                ImportIds = rows.Select(r => r.ImportId).ToArray(),
                ExternalIds = rows.Select(r => r.ExternalId).ToArray(),
            },
            transaction, cancellationToken: cancellationToken));

    private static TransactionCreated Created(string organisationId, TransactionRow row, DateTimeOffset now) => new()
    {
        OrganisationId = organisationId, OccurredAt = now, Id = row.Id, BankAccountId = row.BankAccountId, Date = row.Date, Description = row.Description,
        Amount = Money.Present(row.Amount, row.Currency), Currency = row.Currency, Reference = row.Reference, ImportId = row.ImportId, PaymentId = row.PaymentId,
        SuggestedCategory = row.SuggestedCategoryId is null ? null : new CategoryReference(row.SuggestedCategoryId, row.SuggestedCategoryName!),
        Confidence = row.Confidence,
    };

    private static TransactionCategorised Categorised(string organisationId, TransactionRow row, CategoryReference? previous, string? reversalId, DateTimeOffset now) => new()
    {
        OrganisationId = organisationId, OccurredAt = now, Id = row.Id, BankAccountId = row.BankAccountId, Date = row.Date,
        Amount = Money.Present(row.Amount, row.Currency), Currency = row.Currency,
        Category = row.CategoryId is null ? null : new CategoryReference(row.CategoryId, row.CategoryName!),
        PreviousCategory = previous is null ? null : new CategoryReference(previous.Id, previous.Name),
        CategorisedBy = row.CategorisedBy, Confidence = row.CategorisedBy == ByUser ? 1m : row.Confidence,
        JournalEntryId = row.JournalEntryId, ReversalJournalEntryId = reversalId,
    };

    private static string EscapeLike(string text) =>
        text.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal);
}
