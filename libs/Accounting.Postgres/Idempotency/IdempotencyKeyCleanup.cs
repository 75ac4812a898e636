using Microsoft.Extensions.Logging;
using Npgsql;

namespace Accounting.Postgres.Idempotency;

/// <summary>Deletes stored responses past their 24 h so the table stays the size of a day's traffic.</summary>
internal sealed class IdempotencyKeyCleanup(NpgsqlDataSource dataSource, TimeProvider clock, ILogger<IdempotencyKeyCleanup> logger)
    : RetentionJob(dataSource, clock, logger)
{
    // Expired rows are ignored on lookup anyway, so a late round changes nothing a client sees.
    public override Task<long> DeleteExpiredAsync(CancellationToken cancellationToken) =>
        DeleteInBatchesAsync(
            """
            DELETE FROM idempotency_keys WHERE (organisation_id, key_hash) IN (
                SELECT organisation_id, key_hash FROM idempotency_keys WHERE created_at < @Cutoff LIMIT @BatchSize)
            """,
            new { Cutoff = Clock.GetUtcNow() - IdempotencyMiddleware.Retention }, cancellationToken);
}
