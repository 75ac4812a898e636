using Accounting.Ledger.Banking.Imports.Parsing;
using Accounting.Ledger.Posting;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace Accounting.Ledger.Banking.Imports;

/// <summary>The SQL of statement imports: previews with their rows, and what duplicate detection compares them with.</summary>
internal static class BankImports
{
    public const string Preview = "preview";
    public const string Confirmed = "confirmed";
    public const string Expired = "expired";

    /// <summary>How long a preview can be confirmed (§5.2); after that it is refused, then purged.</summary>
    public static readonly TimeSpan PreviewLifetime = TimeSpan.FromHours(24);

    internal sealed record ImportRow(
        string Id, string BankAccountId, string Currency, string Format, string Status, int TotalRows, int ValidRows, int DuplicateRows, int ErrorRows,
        DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? ConfirmedAt, int? CreatedCount, int? SkippedDuplicates);

    private sealed record StoredRow(
        int Row, DateOnly? Date, string? Description, decimal? Amount, string? Reference, string? ExternalId, bool Duplicate, string? ErrorField, string? ErrorMessage);

    /// <summary>The bank account's transactions a statement's rows could duplicate: on the rows' dates, or with one of their FITIDs.</summary>
    public static async Task<IReadOnlyList<ExistingTransaction>> ExistingAsync(
        NpgsqlTransaction transaction, string organisationId, string bankAccountId, IReadOnlyList<StatementRow> rows, CancellationToken cancellationToken)
    {
        var valid = rows.Where(r => r.IsValid).ToList();
        if (valid.Count == 0)
        {
            return [];
        }

        return (await transaction.Connection!.QueryAsync<ExistingTransaction>(new CommandDefinition(
            """
            SELECT date, amount, description, external_id FROM bank_transactions
            WHERE organisation_id = @OrganisationId AND bank_account_id = @BankAccountId
              AND (date BETWEEN @From AND @To OR external_id = ANY(@Fitids))
            """,
            new
            {
                OrganisationId = organisationId,
                BankAccountId = bankAccountId,
                From = valid.Min(r => r.Date!.Value),
                To = valid.Max(r => r.Date!.Value),
                Fitids = valid.Where(r => r.ExternalId is not null).Select(r => r.ExternalId!).Distinct(StringComparer.Ordinal).ToArray(),
            },
            transaction, cancellationToken: cancellationToken))).AsList();
    }

    public static async Task InsertAsync(
        NpgsqlTransaction transaction, string organisationId, string createdBy, ImportRow import, IReadOnlyList<StatementRow> rows, HashSet<int> duplicates,
        CancellationToken cancellationToken)
    {
        var connection = transaction.Connection!;
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO bank_imports (id, organisation_id, bank_account_id, format, status, total_rows, valid_rows, duplicate_rows, error_rows, created_by, created_at, expires_at)
            VALUES (@Id, @OrganisationId, @BankAccountId, @Format, @Status, @TotalRows, @ValidRows, @DuplicateRows, @ErrorRows, @CreatedBy, @CreatedAt, @ExpiresAt)
            """,
            new
            {
                import.Id, OrganisationId = organisationId, import.BankAccountId, import.Format, import.Status, import.TotalRows, import.ValidRows,
                import.DuplicateRows, import.ErrorRows, CreatedBy = createdBy, import.CreatedAt, import.ExpiresAt,
            },
            transaction, cancellationToken: cancellationToken));

        // COPY: a 50,000-row statement is one round trip, not 50,000 inserts.
        await using var writer = await connection.BeginBinaryImportAsync(
            "COPY bank_import_rows (import_id, row, date, description, amount, reference, external_id, duplicate, error_field, error_message) FROM STDIN (FORMAT BINARY)",
            cancellationToken);
        foreach (var row in rows)
        {
            await writer.StartRowAsync(cancellationToken);
            await writer.WriteAsync(import.Id, NpgsqlDbType.Text, cancellationToken);
            await writer.WriteAsync(row.Row, NpgsqlDbType.Integer, cancellationToken);
            await WriteNullableAsync(writer, row.Date, NpgsqlDbType.Date, cancellationToken);
            await WriteNullableAsync(writer, row.Description, NpgsqlDbType.Text, cancellationToken);
            await WriteNullableAsync(writer, row.Amount, NpgsqlDbType.Numeric, cancellationToken);
            await WriteNullableAsync(writer, row.Reference, NpgsqlDbType.Text, cancellationToken);
            await WriteNullableAsync(writer, row.ExternalId, NpgsqlDbType.Text, cancellationToken);
            await writer.WriteAsync(duplicates.Contains(row.Row), NpgsqlDbType.Boolean, cancellationToken);
            await WriteNullableAsync(writer, row.Error?.Field, NpgsqlDbType.Text, cancellationToken);
            await WriteNullableAsync(writer, row.Error?.Message, NpgsqlDbType.Text, cancellationToken);
        }

        await writer.CompleteAsync(cancellationToken);
    }

    public static Task<ImportRow?> LoadAsync(NpgsqlConnection connection, string organisationId, string id, NpgsqlTransaction? lockIn, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<ImportRow>(new CommandDefinition(
            $"""
            SELECT i.id, i.bank_account_id, b.currency, i.format, i.status, i.total_rows, i.valid_rows, i.duplicate_rows, i.error_rows, i.created_at,
                   i.expires_at, i.confirmed_at, i.created_count, i.skipped_duplicates
            FROM bank_imports i JOIN bank_accounts b ON b.id = i.bank_account_id
            WHERE i.id = @Id AND i.organisation_id = @OrganisationId {(lockIn is null ? "" : "FOR UPDATE OF i")}
            """,
            new { Id = id, OrganisationId = organisationId }, lockIn, cancellationToken: cancellationToken));

    /// <summary>The stored rows as the parser produced them, with the duplicate flags of the preview.</summary>
    public static async Task<(IReadOnlyList<StatementRow> Rows, HashSet<int> Duplicates)> LoadRowsAsync(
        NpgsqlConnection connection, string importId, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        var stored = await connection.QueryAsync<StoredRow>(new CommandDefinition(
            """
            SELECT row, date, description, amount, reference, external_id, duplicate, error_field, error_message
            FROM bank_import_rows WHERE import_id = @ImportId ORDER BY row
            """,
            new { ImportId = importId }, transaction, cancellationToken: cancellationToken));
        var rows = new List<StatementRow>();
        var duplicates = new HashSet<int>();
        foreach (var row in stored)
        {
            rows.Add(new StatementRow(
                row.Row, row.Date, row.Description, row.Amount, row.Reference, row.ExternalId,
                row.ErrorField is null ? null : new RowError(row.ErrorField, row.ErrorMessage!)));
            if (row.Duplicate)
            {
                duplicates.Add(row.Row);
            }
        }

        return (rows, duplicates);
    }

    public static Task MarkConfirmedAsync(
        NpgsqlTransaction transaction, string importId, HashSet<int> duplicates, int created, DateTimeOffset now, CancellationToken cancellationToken) =>
        transaction.Connection!.ExecuteAsync(new CommandDefinition(
            """
            -- Only the rows whose flag changes: rewriting all 50,000 rows of a statement costs more than the rest of the confirm's bookkeeping.
            UPDATE bank_import_rows SET duplicate = (row = ANY(@Duplicates))
            WHERE import_id = @Id AND error_field IS NULL AND duplicate <> (row = ANY(@Duplicates));
            UPDATE bank_imports SET status = 'confirmed', confirmed_at = @Now, created_count = @Created, skipped_duplicates = @SkippedDuplicates,
                                    duplicate_rows = @SkippedDuplicates
            WHERE id = @Id
            """,
            new { Id = importId, Duplicates = duplicates.ToArray(), Now = now, Created = created, SkippedDuplicates = duplicates.Count },
            transaction, cancellationToken: cancellationToken));

    public static BankImportView ToView(ImportRow import, IReadOnlyList<StatementRow> rows, HashSet<int> duplicates, DateTimeOffset now) => new(
        import.Id,
        import.Status == Preview && now >= import.ExpiresAt ? Expired : import.Status,
        import.BankAccountId,
        import.Format,
        [.. rows.Select(r => new BankImportRowView(
            r.Row, r.Date, r.Description, r.Amount is { } amount ? Money.Present(amount, import.Currency) : null, r.Reference, duplicates.Contains(r.Row), r.Error))],
        new BankImportSummary(import.TotalRows, import.ValidRows, import.DuplicateRows, import.ErrorRows),
        import.CreatedAt,
        import.ExpiresAt,
        import.ConfirmedAt,
        import.CreatedCount,
        import.SkippedDuplicates,
        import.ConfirmedAt is null ? null : import.ErrorRows);

    private static Task WriteNullableAsync<T>(NpgsqlBinaryImporter writer, T? value, NpgsqlDbType type, CancellationToken cancellationToken)
        where T : struct =>
        value is { } present ? writer.WriteAsync(present, type, cancellationToken) : writer.WriteNullAsync(cancellationToken);

    private static Task WriteNullableAsync(NpgsqlBinaryImporter writer, string? value, NpgsqlDbType type, CancellationToken cancellationToken) =>
        value is null ? writer.WriteNullAsync(cancellationToken) : writer.WriteAsync(value, type, cancellationToken);
}
