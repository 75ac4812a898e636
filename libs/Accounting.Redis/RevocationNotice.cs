using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Accounting.Redis;

/// <summary>
/// The channel on which auth tells every gateway replica that an API key (by hash) stopped
/// working, so cached resolutions are dropped within a second.
/// </summary>
public static partial class RevocationNotice
{
    public static readonly RedisChannel Channel = RedisChannel.Literal("accounting:api-keys:revoked");

    /// <summary>Best effort by design: the committed revocation and its event remain the source of truth.</summary>
    public static async Task PublishAsync(IConnectionMultiplexer redis, string keyHash, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(redis);
        try
        {
            await redis.GetSubscriber().PublishAsync(Channel, keyHash);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            LogNotPublished(logger, exception);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not announce an API key revocation over Redis; gateways will learn of it from the event or their cache expiry")]
    private static partial void LogNotPublished(ILogger logger, Exception exception);
}
