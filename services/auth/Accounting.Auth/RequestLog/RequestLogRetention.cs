using Accounting.Postgres;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Accounting.Auth.RequestLog;

/// <summary>Deletes request-log entries older than <see cref="RequestLogOptions.Retention"/>, oldest first, in batches.</summary>
public sealed class RequestLogRetention(NpgsqlDataSource dataSource, IOptions<RequestLogOptions> options, TimeProvider clock, ILogger<RequestLogRetention> logger)
    : RetentionJob(dataSource, clock, logger)
{
    public override Task<long> DeleteExpiredAsync(CancellationToken cancellationToken) =>
        DeleteInBatchesAsync(
            "DELETE FROM request_log WHERE id IN (SELECT id FROM request_log WHERE created_at < @Cutoff ORDER BY created_at LIMIT @BatchSize)",
            new { Cutoff = Clock.GetUtcNow() - options.Value.Retention },
            cancellationToken);
}
