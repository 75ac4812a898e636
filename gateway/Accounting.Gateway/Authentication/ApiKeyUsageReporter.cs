using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Accounting.Gateway.Authentication;

/// <summary>
/// Remembers when each key was last used and reports the batch to auth periodically, so a
/// request never costs a database write.
/// </summary>
public sealed partial class ApiKeyUsageReporter(
    AuthServiceClient auth,
    IOptions<GatewayOptions> options,
    TimeProvider clock,
    ILogger<ApiKeyUsageReporter> logger) : BackgroundService
{
    private ConcurrentDictionary<string, DateTimeOffset> pending = new(StringComparer.Ordinal);

    public void Touch(string keyId) => pending[keyId] = clock.GetUtcNow();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.UsageReportInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await ReportAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            using var lastChance = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await ReportAsync(lastChance.Token);
        }
    }

    public async Task ReportAsync(CancellationToken cancellationToken)
    {
        var batch = Interlocked.Exchange(ref pending, new ConcurrentDictionary<string, DateTimeOffset>(StringComparer.Ordinal));
        if (batch.IsEmpty)
        {
            return;
        }

        try
        {
            await auth.RecordUsageAsync([.. batch.Select(usage => new ApiKeyUsage(usage.Key, usage.Value))], cancellationToken);
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException)
        {
            LogReportFailed(logger, exception, batch.Count);
            foreach (var (keyId, lastUsedAt) in batch)
            {
                pending.AddOrUpdate(keyId, lastUsedAt, (_, newer) => newer > lastUsedAt ? newer : lastUsedAt);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not report last use of {Count} API keys to auth; will retry")]
    private static partial void LogReportFailed(ILogger logger, Exception exception, int count);
}
