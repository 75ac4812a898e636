using Accounting.Redis;
using StackExchange.Redis;

namespace Accounting.Gateway.Authentication;

/// <summary>
/// Drops a revoked key from this replica's cache the moment auth announces it over Redis, which is
/// how every replica honours a revocation within a second.
/// </summary>
public sealed partial class ApiKeyRevocationListener(
    IConnectionMultiplexer redis,
    ApiKeyCache cache,
    ILogger<ApiKeyRevocationListener> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Notices published while the connection was down are lost, so trust nothing cached from before.
        redis.ConnectionRestored += OnConnectionRestored;
        await SubscribeAsync();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        redis.ConnectionRestored -= OnConnectionRestored;
        try
        {
            await redis.GetSubscriber().UnsubscribeAsync(RevocationNotice.Channel);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException or ObjectDisposedException)
        {
            // The connection closes with the process anyway, and the subscription with it; shutting
            // down must not fail because Redis is away, the connection is still being made, or it is
            // already closed (seen once in CI with StackExchange.Redis 3.x as a test host stopped).
            LogUnsubscribeFailed(logger, exception);
        }
    }

    private async Task SubscribeAsync()
    {
        try
        {
            await redis.GetSubscriber().SubscribeAsync(RevocationNotice.Channel, (_, keyHash) => cache.Evict(keyHash.ToString()));
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            LogSubscriptionFailed(logger, exception);
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs args)
    {
        cache.Clear();
        if (args.ConnectionType == ConnectionType.Subscription)
        {
            _ = SubscribeAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not subscribe to API key revocations; cached keys expire on their own until Redis returns")]
    private static partial void LogSubscriptionFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Unsubscribing from API key revocations at shutdown failed")]
    private static partial void LogUnsubscribeFailed(ILogger logger, Exception exception);
}
