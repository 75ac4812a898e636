namespace Accounting.Gateway.RateLimiting;

/// <summary>A token bucket of <see cref="Capacity"/> tokens that refills evenly over <see cref="WindowMilliseconds"/>.</summary>
public readonly record struct Bucket(string Name, int Capacity, long WindowMilliseconds)
{
    public long FullUnits => Capacity * WindowMilliseconds;
}

/// <summary>What a check does with the buckets.</summary>
public enum TokenCost
{
    /// <summary>Gives back a token taken earlier for a request that turned out not to count.</summary>
    GiveBack = -1,

    /// <summary>Takes a token from every bucket, if every bucket has one.</summary>
    Take = 1,
}

/// <summary>
/// Token buckets that must all admit a request (contract §4). One formula, written twice: in Lua for
/// Redis, where every replica shares it atomically in one round trip, and in C# for the per-replica
/// fallback while Redis is unreachable. Tokens refill continuously; a refused request takes nothing.
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
    /// KEYS[1] the buckets, stored as "level… updated-at"; ARGV now (Unix ms), the cost (1 takes a
    /// token, -1 gives one back), then each bucket's capacity and window (ms). Returns {admitted
    /// (0|1), level…}. A refusal writes nothing: the stored levels and time still yield the same
    /// refill later. The key expires once every bucket would be full again anyway.
    /// </summary>
    /// <remarks>
    /// <c>now</c> is the calling replica's clock, not Redis TIME, so that tests can freeze and move
    /// time through the injected TimeProvider. Replicas' clocks are NTP-synchronised to within
    /// milliseconds; a replica that lags never refills backwards (elapsed time is at least zero and
    /// the stored time never moves back), and one that runs s seconds ahead hands out at most s
    /// seconds' worth of refill early, once — the small skew token-bucket limiters such as Stripe's
    /// accept in exchange for not asking the server for its time.
    /// </remarks>
    public const string Script =
        """
        local now = tonumber(ARGV[1])
        local cost = tonumber(ARGV[2])
        local count = (#ARGV - 2) / 2
        local stored = {}
        local value = redis.call('GET', KEYS[1])
        if value then
          for number in string.gmatch(value, '%d+') do
            stored[#stored + 1] = tonumber(number)
          end
        end
        local known = #stored == count + 1
        local updated = now
        if known then
          updated = stored[count + 1]
        end
        local elapsed = math.max(0, now - updated)
        local levels = {}
        local admitted = 1
        local longest = 0
        for i = 1, count do
          local capacity = tonumber(ARGV[1 + 2 * i])
          local window = tonumber(ARGV[2 + 2 * i])
          local level = capacity * window
          if known then
            level = math.min(level, stored[i] + elapsed * capacity)
          end
          if cost > 0 and level < window then
            admitted = 0
          end
          levels[i] = level
          longest = math.max(longest, window)
        end
        if admitted == 0 then
          return {0, unpack(levels)}
        end
        local state = {}
        for i = 1, count do
          local capacity = tonumber(ARGV[1 + 2 * i])
          local window = tonumber(ARGV[2 + 2 * i])
          levels[i] = math.min(capacity * window, levels[i] - cost * window)
          state[i] = string.format('%.0f', levels[i])
        end
        state[count + 1] = string.format('%.0f', math.max(now, updated))
        redis.call('SET', KEYS[1], table.concat(state, ' '), 'PX', longest)
        return {1, unpack(levels)}
        """;

    /// <summary>The script's arguments after the key.</summary>
    public static StackExchange.Redis.RedisValue[] Arguments(IReadOnlyList<Bucket> buckets, TokenCost cost, long nowMilliseconds)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        var arguments = new StackExchange.Redis.RedisValue[2 + (2 * buckets.Count)];
        arguments[0] = nowMilliseconds;
        arguments[1] = (int)cost;
        for (var i = 0; i < buckets.Count; i++)
        {
            arguments[2 + (2 * i)] = buckets[i].Capacity;
            arguments[3 + (2 * i)] = buckets[i].WindowMilliseconds;
        }

        return arguments;
    }

    /// <summary>The script's formula, on a replica's own copy of the buckets.</summary>
    public static RateLimitDecision Apply(ref BucketState state, long nowMilliseconds, IReadOnlyList<Bucket> buckets, TokenCost cost)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        var elapsed = Math.Max(0, nowMilliseconds - state.UpdatedAtMilliseconds);
        var levels = new long[buckets.Count];
        var admitted = true;
        for (var i = 0; i < buckets.Count; i++)
        {
            levels[i] = Math.Min(buckets[i].FullUnits, state.Units[i] + (elapsed * buckets[i].Capacity));
            admitted &= cost < 0 || levels[i] >= buckets[i].WindowMilliseconds;
        }

        if (!admitted)
        {
            return new RateLimitDecision(false, buckets, levels, nowMilliseconds);
        }

        for (var i = 0; i < buckets.Count; i++)
        {
            levels[i] = Math.Min(buckets[i].FullUnits, levels[i] - ((int)cost * buckets[i].WindowMilliseconds));
        }

        state = new BucketState([.. levels], Math.Max(nowMilliseconds, state.UpdatedAtMilliseconds));
        return new RateLimitDecision(true, buckets, levels, nowMilliseconds);
    }
}

public readonly record struct BucketState(IReadOnlyList<long> Units, long UpdatedAtMilliseconds)
{
    public static BucketState Full(IReadOnlyList<Bucket> buckets, long nowMilliseconds)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        return new([.. buckets.Select(bucket => bucket.FullUnits)], nowMilliseconds);
    }
}

/// <summary>The outcome of one check, with what the response headers of contract §4 report.</summary>
/// <param name="Buckets">The first is the quota <c>X-RateLimit-Limit</c> names.</param>
public sealed record RateLimitDecision(bool Admitted, IReadOnlyList<Bucket> Buckets, IReadOnlyList<long> Units, long NowMilliseconds)
{
    public int Quota => Buckets[0].Capacity;

    /// <summary>Whole tokens left in whichever bucket is tighter right now.</summary>
    public long Remaining => Tokens(Tighter);

    /// <summary>Seconds until the tighter bucket is full again.</summary>
    public long SecondsUntilReset => SecondsToRefill(Tighter, Buckets[Tighter].FullUnits - Units[Tighter]);

    /// <summary>Whole seconds until every bucket holds a token, at least 1.</summary>
    public long RetryAfterSeconds => Math.Max(1, Enumerable.Range(0, Buckets.Count).Max(SecondsToNextToken));

    public string TighterBucketName => Buckets[Tighter].Name;

    /// <summary>The bucket with fewest whole tokens; on a tie, the one slower to give the next token back.</summary>
    private int Tighter
    {
        get
        {
            var tightest = 0;
            for (var i = 1; i < Buckets.Count; i++)
            {
                if (Tokens(i) < Tokens(tightest) || (Tokens(i) == Tokens(tightest) && SecondsToNextToken(i) >= SecondsToNextToken(tightest)))
                {
                    tightest = i;
                }
            }

            return tightest;
        }
    }

    private long Tokens(int bucket) => Units[bucket] / Buckets[bucket].WindowMilliseconds;

    private long SecondsToNextToken(int bucket) => SecondsToRefill(bucket, Buckets[bucket].WindowMilliseconds - Units[bucket]);

    /// <summary>Units come back at the bucket's capacity per millisecond.</summary>
    private long SecondsToRefill(int bucket, long missingUnits)
    {
        var perSecond = Buckets[bucket].Capacity * 1000L;
        return missingUnits <= 0 ? 0 : (missingUnits + perSecond - 1) / perSecond;
    }
}
