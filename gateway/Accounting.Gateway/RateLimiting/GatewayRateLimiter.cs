using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Threading.RateLimiting;
using Accounting.ServiceDefaults.Identity;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Accounting.Gateway.RateLimiting;

/// <summary>
/// The global limiter of the rate-limiting middleware: per API key (per user for user tokens),
/// both buckets checked and taken in one Redis round trip, shared by every replica. While Redis
/// is unreachable each replica keeps the same limits in memory, and returns to Redis by itself.
/// Anonymous requests pass here; the per-IP policy on the public auth routes covers them.
/// </summary>
public sealed partial class GatewayRateLimiter(
    IConnectionMultiplexer redis,
    IOptions<RateLimitOptions> options,
    TimeProvider clock,
    IMeterFactory meters,
    ILogger<GatewayRateLimiter> logger) : PartitionedRateLimiter<HttpContext>
{
    public const string KeyPrefix = "accounting:rate:";

    private readonly ConcurrentDictionary<string, LocalBucket> localBuckets = new(StringComparer.Ordinal);
    private readonly Counter<long> fallbackDecisions = meters.Create("Accounting.Gateway")
        .CreateCounter<long>("gateway.rate_limit.local_decisions", description: "Rate-limit decisions taken in memory because Redis was unreachable");

    private int usingLocalBuckets;

    public override RateLimiterStatistics? GetStatistics(HttpContext resource) => null;

    /// <summary>Never decides synchronously: the middleware then awaits <see cref="AcquireAsyncCore"/>.</summary>
    protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount) =>
        PartitionOf(resource) is null ? DecisionLease.Unlimited : DecisionLease.Deferred;

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resource);
        if (PartitionOf(resource) is not { } partition)
        {
            return DecisionLease.Unlimited;
        }

        var limits = options.Value.For(resource.User.FindFirst(IdentityClaims.Plan)?.Value);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var decision = await TakeFromRedisAsync(partition, limits, now) ?? TakeLocally(partition, limits, now);
        RateLimitHeaders.Add(resource.Response, decision);
        return new DecisionLease(decision);
    }

    /// <summary>The bucket owner: the key id for API keys, the user id for user tokens.</summary>
    private static string? PartitionOf(HttpContext context) =>
        context.User.Identity?.IsAuthenticated == true ? context.User.FindFirst(IdentityClaims.Subject)?.Value : null;

    private async Task<RateLimitDecision?> TakeFromRedisAsync(string partition, PlanLimits limits, long now)
    {
        if (!redis.IsConnected)
        {
            return null;
        }

        try
        {
            var reply = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(
                TokenBuckets.Script,
                [KeyPrefix + partition],
                [now, limits.RequestsPerHour, limits.BurstPerMinute]))!;
            if (Interlocked.Exchange(ref usingLocalBuckets, 0) == 1)
            {
                LogRedisLimiterResumed(logger);
            }

            return new RateLimitDecision((int)reply[0] == 1, limits, (long)reply[1], (long)reply[2], now);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            LogRedisUnreachable(logger, exception);
            return null;
        }
    }

    private RateLimitDecision TakeLocally(string partition, PlanLimits limits, long now)
    {
        if (Interlocked.Exchange(ref usingLocalBuckets, 1) == 0)
        {
            LogLocalLimiterEngaged(logger);
        }

        fallbackDecisions.Add(1);
        var bucket = localBuckets.GetOrAdd(partition, static (_, state) => new LocalBucket(BucketState.Full(state.limits, state.now)), (limits, now));
        lock (bucket)
        {
            return TokenBuckets.Take(ref bucket.State, now, limits);
        }
    }

    private sealed class LocalBucket(BucketState state)
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

/// <summary>A lease that carries the decision, so the rejection handler can say when to retry.</summary>
internal sealed class DecisionLease : RateLimitLease
{
    public static readonly RateLimitLease Unlimited = new DecisionLease(admitted: true);
    public static readonly RateLimitLease Deferred = new DecisionLease(admitted: false);

    private readonly RateLimitDecision? decision;

    public DecisionLease(RateLimitDecision decision)
    {
        this.decision = decision;
        IsAcquired = decision.Admitted;
    }

    private DecisionLease(bool admitted) => IsAcquired = admitted;

    public override bool IsAcquired { get; }

    public override IEnumerable<string> MetadataNames => decision is null || IsAcquired ? [] : [MetadataName.RetryAfter.Name];

    public override bool TryGetMetadata(string metadataName, out object? metadata)
    {
        if (decision is { Admitted: false } refused && metadataName == MetadataName.RetryAfter.Name)
        {
            metadata = TimeSpan.FromSeconds(refused.RetryAfterSeconds);
            return true;
        }

        metadata = null;
        return false;
    }
}
