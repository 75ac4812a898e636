namespace Accounting.Gateway.RateLimiting;

/// <summary>
/// The pair of token buckets of contract §4. One formula, written twice: in Lua for Redis, where
/// every replica shares it atomically in one round trip, and in C# for the per-replica fallback
/// while Redis is unreachable. Tokens refill continuously; a refused request takes nothing.
/// </summary>
/// <remarks>
/// A bucket's level is kept in integer units of 1/window-millisecond of a token, so a bucket of
/// capacity c over a window of w ms refills exactly c units per elapsed millisecond and one token
/// is w units. Integers stay exact in Lua's doubles (up to 2^53), where fractions would drift.
/// </remarks>
public static class TokenBuckets
{
    public const long HourMilliseconds = 3_600_000;
    public const long MinuteMilliseconds = 60_000;

    /// <summary>Keeps capacity × window within the integers a double holds exactly.</summary>
    public const int MaxCapacity = 10_000_000;

    /// <summary>
    /// KEYS[1] the principal's buckets, stored as "hourly burst updated-at"; ARGV now (Unix ms),
    /// hourly capacity, burst capacity. Returns {admitted (0|1), hourly units, burst units}. A
    /// refusal writes nothing: the stored levels and time still yield the same refill later. The
    /// caller's clock is used, not Redis TIME, so tests can move time; a replica whose clock lags
    /// never refills backwards.
    /// </summary>
    public const string Script =
        """
        local now = tonumber(ARGV[1])
        local hour_capacity = tonumber(ARGV[2]) * 3600000
        local burst_capacity = tonumber(ARGV[3]) * 60000
        local hourly, burst, updated = hour_capacity, burst_capacity, now
        local stored = redis.call('GET', KEYS[1])
        if stored then
          local h, b, t = string.match(stored, '^(%d+) (%d+) (%d+)$')
          hourly, burst, updated = tonumber(h), tonumber(b), tonumber(t)
        end
        local elapsed = math.max(0, now - updated)
        hourly = math.min(hour_capacity, hourly + elapsed * tonumber(ARGV[2]))
        burst = math.min(burst_capacity, burst + elapsed * tonumber(ARGV[3]))
        if hourly < 3600000 or burst < 60000 then
          return {0, hourly, burst}
        end
        hourly = hourly - 3600000
        burst = burst - 60000
        redis.call('SET', KEYS[1], string.format('%.0f %.0f %.0f', hourly, burst, math.max(now, updated)), 'PX', 3600000)
        return {1, hourly, burst}
        """;

    public static RateLimitDecision Take(ref BucketState state, long nowMilliseconds, PlanLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var elapsed = Math.Max(0, nowMilliseconds - state.UpdatedAtMilliseconds);
        var hourly = Math.Min(limits.RequestsPerHour * HourMilliseconds, state.HourlyUnits + (elapsed * limits.RequestsPerHour));
        var burst = Math.Min(limits.BurstPerMinute * MinuteMilliseconds, state.BurstUnits + (elapsed * limits.BurstPerMinute));
        var admitted = hourly >= HourMilliseconds && burst >= MinuteMilliseconds;
        if (admitted)
        {
            hourly -= HourMilliseconds;
            burst -= MinuteMilliseconds;
        }

        state = new BucketState(hourly, burst, Math.Max(nowMilliseconds, state.UpdatedAtMilliseconds));
        return new RateLimitDecision(admitted, limits, hourly, burst, nowMilliseconds);
    }
}

public readonly record struct BucketState(long HourlyUnits, long BurstUnits, long UpdatedAtMilliseconds)
{
    public static BucketState Full(PlanLimits limits, long nowMilliseconds)
    {
        ArgumentNullException.ThrowIfNull(limits);
        return new(limits.RequestsPerHour * TokenBuckets.HourMilliseconds, limits.BurstPerMinute * TokenBuckets.MinuteMilliseconds, nowMilliseconds);
    }
}

/// <summary>The outcome of one check, with what the response headers of contract §4 report.</summary>
public readonly record struct RateLimitDecision(bool Admitted, PlanLimits Limits, long HourlyUnits, long BurstUnits, long NowMilliseconds)
{
    private long HourlyTokens => HourlyUnits / TokenBuckets.HourMilliseconds;

    private long BurstTokens => BurstUnits / TokenBuckets.MinuteMilliseconds;

    private long SecondsToNextHourlyToken => SecondsToRefill(TokenBuckets.HourMilliseconds - HourlyUnits, Limits.RequestsPerHour);

    private long SecondsToNextBurstToken => SecondsToRefill(TokenBuckets.MinuteMilliseconds - BurstUnits, Limits.BurstPerMinute);

    /// <summary>The bucket with fewer whole tokens; on a tie, the one slower to give the next token back.</summary>
    private bool BurstIsTighter => BurstTokens != HourlyTokens
        ? BurstTokens < HourlyTokens
        : SecondsToNextBurstToken >= SecondsToNextHourlyToken;

    /// <summary>Whole tokens left in whichever bucket is tighter right now.</summary>
    public long Remaining => Math.Min(HourlyTokens, BurstTokens);

    /// <summary>Seconds until the tighter bucket is full again.</summary>
    public long SecondsUntilReset => BurstIsTighter
        ? SecondsToRefill((Limits.BurstPerMinute * TokenBuckets.MinuteMilliseconds) - BurstUnits, Limits.BurstPerMinute)
        : SecondsToRefill((Limits.RequestsPerHour * TokenBuckets.HourMilliseconds) - HourlyUnits, Limits.RequestsPerHour);

    /// <summary>Whole seconds until both buckets hold a token, at least 1.</summary>
    public long RetryAfterSeconds => Math.Max(1, Math.Max(SecondsToNextHourlyToken, SecondsToNextBurstToken));

    public string TighterBucketName => BurstIsTighter ? "burst" : "hour";

    /// <summary>Units come back at <paramref name="capacity"/> per millisecond.</summary>
    private static long SecondsToRefill(long missingUnits, int capacity) =>
        missingUnits <= 0 ? 0 : (missingUnits + (capacity * 1000L) - 1) / (capacity * 1000L);
}
