using System.Globalization;

namespace Accounting.Gateway.RateLimiting;

/// <summary>Contract §4's response headers: the classic X-RateLimit-* trio and the IETF draft pair.</summary>
public static class RateLimitHeaders
{
    /// <summary>Written as the response starts, so an upstream's headers cannot replace them.</summary>
    public static void Add(HttpResponse response, RateLimitDecision decision)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.OnStarting(() =>
        {
            var headers = response.Headers;
            var reset = decision.SecondsUntilReset;
            headers["X-RateLimit-Limit"] = decision.Limits.RequestsPerHour.ToString(CultureInfo.InvariantCulture);
            headers["X-RateLimit-Remaining"] = decision.Remaining.ToString(CultureInfo.InvariantCulture);
            headers["X-RateLimit-Reset"] = ((decision.NowMilliseconds / 1000) + reset).ToString(CultureInfo.InvariantCulture);
            headers["RateLimit-Policy"] = string.Create(CultureInfo.InvariantCulture,
                $"\"hour\";q={decision.Limits.RequestsPerHour};w=3600, \"burst\";q={decision.Limits.BurstPerMinute};w=60");
            headers["RateLimit"] = string.Create(CultureInfo.InvariantCulture,
                $"\"{decision.TighterBucketName}\";r={decision.Remaining};t={reset}");
            return Task.CompletedTask;
        });
    }
}
