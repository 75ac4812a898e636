namespace Accounting.Gateway.RateLimiting;

/// <summary>Contract §4's limits, per organisation plan and per client address (section <c>RateLimits</c>).</summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "RateLimits";

    /// <summary>Used for user tokens and for keys whose plan has no entry of its own.</summary>
    public string DefaultPlan { get; set; } = "standard";

    public Dictionary<string, PlanLimits> Plans { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Per client address, on the endpoints that take no credential (login, register, refresh, TOTP).</summary>
    public int AnonymousRequestsPerMinute { get; set; } = 120;

    /// <summary>
    /// Per client address, credentials that fail (unknown, revoked or expired keys, invalid tokens).
    /// Past it, failing credentials are answered 429, and keys the gateway does not already hold
    /// are refused with 429 without asking auth; keys it holds and valid user tokens still pass.
    /// </summary>
    public int FailedAuthenticationsPerMinute { get; set; } = 60;

    public PlanLimits For(string? plan) =>
        (plan is not null && Plans.TryGetValue(plan, out var limits)) || Plans.TryGetValue(DefaultPlan, out limits)
            ? limits
            : PlanLimits.Standard;

    /// <summary>A single bucket of <paramref name="perMinute"/> tokens refilled over a minute.</summary>
    public static IReadOnlyList<Bucket> PerMinute(int perMinute) => [new("minute", perMinute, TokenBuckets.MinuteMilliseconds)];
}

/// <summary>Two token buckets that must both admit a request: a steady hourly quota and a per-minute burst.</summary>
public sealed class PlanLimits
{
    public static readonly PlanLimits Standard = new();

    public int RequestsPerHour { get; set; } = 1000;

    public int BurstPerMinute { get; set; } = 100;

    /// <summary>The hourly quota first: it is the limit the X-RateLimit-Limit header reports.</summary>
    public IReadOnlyList<Bucket> Buckets =>
    [
        new("hour", RequestsPerHour, TokenBuckets.HourMilliseconds),
        new("burst", BurstPerMinute, TokenBuckets.MinuteMilliseconds),
    ];
}
