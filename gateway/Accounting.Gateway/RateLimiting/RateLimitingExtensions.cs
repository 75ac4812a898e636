using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Accounting.ServiceDefaults.Errors;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Accounting.Gateway.RateLimiting;

public static class RateLimitingExtensions
{
    /// <summary>The policy the public auth routes name in their proxy configuration.</summary>
    public const string PerClientIpPolicy = "per-client-ip";

    public static WebApplicationBuilder AddGatewayRateLimiting(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<RateLimitOptions>().Bind(builder.Configuration.GetSection(RateLimitOptions.SectionName))
            .Validate(
                o => o.Plans.Values.All(p => p.RequestsPerHour is > 0 and <= TokenBuckets.MaxCapacity && p.BurstPerMinute is > 0 and <= TokenBuckets.MaxCapacity),
                $"Every plan needs limits between 1 and {TokenBuckets.MaxCapacity}.")
            .Validate(o => o.AnonymousRequestsPerMinute > 0, "RateLimits:AnonymousRequestsPerMinute must be positive.")
            .ValidateOnStart();
        builder.Services.AddSingleton<GatewayRateLimiter>();
        builder.Services.AddRateLimiter(_ => { });
        builder.Services.AddOptions<RateLimiterOptions>().Configure<GatewayRateLimiter, IOptions<RateLimitOptions>>((limiter, redisLimiter, limits) =>
        {
            limiter.GlobalLimiter = redisLimiter;
            limiter.AddPolicy(PerClientIpPolicy, context => RateLimitPartition.GetTokenBucketLimiter(
                context.Connection.RemoteIpAddress ?? IPAddress.None,
                _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = limits.Value.AnonymousRequestsPerMinute,
                    TokensPerPeriod = limits.Value.AnonymousRequestsPerMinute,
                    ReplenishmentPeriod = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
            limiter.OnRejected = (rejected, _) =>
            {
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait)
                    ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds))
                    : 1;
                rejected.HttpContext.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
                return new ValueTask(ApiError.RateLimited(retryAfter).ExecuteAsync(rejected.HttpContext));
            };
        });
        return builder;
    }
}
