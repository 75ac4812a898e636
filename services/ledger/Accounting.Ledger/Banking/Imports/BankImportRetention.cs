using Accounting.Postgres;
using Npgsql;

namespace Accounting.Ledger.Banking.Imports;

/// <summary>
/// Purges previews nobody confirmed once they expired (24 h, §5.2): their rows first, in batches, then
/// the previews. Until a round runs, an expired preview reads as <c>expired</c> and refuses to confirm.
/// </summary>
public sealed class BankImportRetention(NpgsqlDataSource dataSource, TimeProvider clock, ILogger<BankImportRetention> logger)
    : RetentionJob(dataSource, clock, logger)
{
    public override async Task<long> DeleteExpiredAsync(CancellationToken cancellationToken)
    {
        var now = new { Now = Clock.GetUtcNow() };
        var rows = await DeleteInBatchesAsync(
            """
            DELETE FROM bank_import_rows WHERE (import_id, row) IN (
                SELECT r.import_id, r.row FROM bank_import_rows r JOIN bank_imports i ON i.id = r.import_id
                WHERE i.status = 'preview' AND i.expires_at <= @Now LIMIT @BatchSize)
            """,
            now, cancellationToken);
        var imports = await DeleteInBatchesAsync(
            """
            DELETE FROM bank_imports WHERE id IN (
                SELECT id FROM bank_imports WHERE status = 'preview' AND expires_at <= @Now LIMIT @BatchSize)
            """,
            now, cancellationToken);
        return rows + imports;
    }
}
