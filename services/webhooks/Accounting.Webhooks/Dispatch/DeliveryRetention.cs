using Accounting.Postgres;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Accounting.Webhooks.Dispatch;

/// <summary>
/// Deletes settled deliveries, with their attempts, once they are older than
/// <see cref="WebhooksOptions.DeliveryRetention"/>: the log covers the window a subscriber needs to
/// investigate and replay, and the tables stay that size however long the service runs. Pending
/// deliveries are never deleted.
/// </summary>
public sealed class DeliveryRetention(
    NpgsqlDataSource dataSource, IOptions<WebhooksOptions> options, TimeProvider clock, ILogger<DeliveryRetention> logger)
    : RetentionJob(dataSource, clock, logger)
{
    public override Task<long> DeleteExpiredAsync(CancellationToken cancellationToken) =>
        DeleteInBatchesAsync(
            """
            DELETE FROM webhook_deliveries WHERE id IN (
                SELECT id FROM webhook_deliveries WHERE status <> 'pending' AND created_at < @Cutoff LIMIT @BatchSize)
            """,
            new { Cutoff = Clock.GetUtcNow() - options.Value.DeliveryRetention }, cancellationToken);
}
