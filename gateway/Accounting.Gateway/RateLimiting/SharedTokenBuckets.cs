using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using StackExchange.Redis;

namespace Accounting.Gateway.RateLimiting;

/// <summary>
/// Every limit of the gateway (per principal, per client address, failed credentials per address):
/// buckets checked and changed in one Redis round trip, shared by every replica. While Redis is
/// unreachable each replica keeps the same buckets in memory, and returns to Redis by itself.
/// </summary>
public sealed partial class SharedTokenBuckets(
    IConnectionMultiplexer redis,
    TimeProvider clock,
    IMeterFactory meters,
    ILogger<SharedTokenBuckets> logger)
{
    private readonly ConcurrentDictionary<string, LocalBuckets> localBuckets = new(StringComparer.Ordinal);
    private readonly Counter<long> fallbackDecisions = meters.Create("Accounting.Gateway")
        .CreateCounter<long>("gateway.rate_limit.local_decisions", description: "Rate-limit decisions taken in memory because Redis was unreachable");

    private int usingLocalBuckets;

    /// <param name="key">The Redis key of the buckets; also names the local copy.</param>
    public async ValueTask<RateLimitDecision> ApplyAsync(string key, IReadOnlyList<Bucket> buckets, TokenCost cost)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        return await ApplyOnRedisAsync(key, buckets, cost, now) ?? ApplyLocally(key, buckets, cost, now);
    }

    private async Task<RateLimitDecision?> ApplyOnRedisAsync(string key, IReadOnlyList<Bucket> buckets, TokenCost cost, long now)
    {
        if (!redis.IsConnected)
        {
            return null;
        }

        try
        {
            var reply = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(
                TokenBuckets.Script, [key], TokenBuckets.Arguments(buckets, cost, now)))!;
            if (Interlocked.Exchange(ref usingLocalBuckets, 0) == 1)
            {
                // Redis holds the shared levels again; the local copies would only grow stale.
                localBuckets.Clear();
                LogRedisLimiterResumed(logger);
            }

            return new RateLimitDecision((int)reply[0] == 1, buckets, [.. reply.Skip(1).Select(level => (long)level)], now);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            LogRedisUnreachable(logger, exception);
            return null;
        }
    }

    private RateLimitDecision ApplyLocally(string key, IReadOnlyList<Bucket> buckets, TokenCost cost, long now)
    {
        if (Interlocked.Exchange(ref usingLocalBuckets, 1) == 0)
        {
            LogLocalLimiterEngaged(logger);
        }

        fallbackDecisions.Add(1);
        var local = localBuckets.GetOrAdd(key, static (_, state) => new LocalBuckets(BucketState.Full(state.buckets, state.now)), (buckets, now));
        lock (local)
        {
            return TokenBuckets.Apply(ref local.State, now, buckets, cost);
        }
    }

    private sealed class LocalBuckets(BucketState state)
    {
        public BucketState State = state;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis is unreachable: rate limits are enforced per replica, in memory, until it returns")]
    private static partial void LogLocalLimiterEngaged(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis answers again: rate limits are shared across replicas once more")]
    private static partial void LogRedisLimiterResumed(ILogger logger);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Rate-limit script failed on Redis")]
    private static partial void LogRedisUnreachable(ILogger logger, Exception exception);
}
