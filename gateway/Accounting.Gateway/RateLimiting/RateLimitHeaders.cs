using System.Globalization;

namespace Accounting.Gateway.RateLimiting;

/// <summary>Contract §4's response headers: the classic X-RateLimit-* trio, the IETF draft pair, and Retry-After on a refusal.</summary>
public static class RateLimitHeaders
{
    /// <summary>Written as the response starts, so an upstream's headers cannot replace them.</summary>
    public static void Add(HttpResponse response, RateLimitDecision decision)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(decision);
        response.OnStarting(() =>
        {
            var headers = response.Headers;
            var reset = decision.SecondsUntilReset;
            headers["X-RateLimit-Limit"] = decision.Quota.ToString(CultureInfo.InvariantCulture);
            headers["X-RateLimit-Remaining"] = decision.Remaining.ToString(CultureInfo.InvariantCulture);
            headers["X-RateLimit-Reset"] = ((decision.NowMilliseconds / 1000) + reset).ToString(CultureInfo.InvariantCulture);
            headers["RateLimit-Policy"] = string.Join(", ", decision.Buckets.Select(bucket => string.Create(CultureInfo.InvariantCulture,
                $"\"{bucket.Name}\";q={bucket.Capacity};w={bucket.WindowMilliseconds / 1000}")));
            headers["RateLimit"] = string.Create(CultureInfo.InvariantCulture,
                $"\"{decision.TighterBucketName}\";r={decision.Remaining};t={reset}");
            if (!decision.Admitted)
            {
                headers.RetryAfter = decision.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            }

            return Task.CompletedTask;
        });
    }
}
