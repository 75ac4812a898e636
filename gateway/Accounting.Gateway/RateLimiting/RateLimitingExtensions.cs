using System.Threading.RateLimiting;
using Accounting.ServiceDefaults.Errors;
using Microsoft.AspNetCore.RateLimiting;

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
            .Validate(
                o => o.AnonymousRequestsPerMinute is > 0 and <= TokenBuckets.MaxCapacity && o.FailedAuthenticationsPerMinute is > 0 and <= TokenBuckets.MaxCapacity,
                $"RateLimits:AnonymousRequestsPerMinute and RateLimits:FailedAuthenticationsPerMinute must be between 1 and {TokenBuckets.MaxCapacity}.")
            .ValidateOnStart();
        builder.Services.AddSingleton<SharedTokenBuckets>();
        builder.Services.AddSingleton<ClientAddressLimits>();
        builder.Services.AddSingleton<GatewayRateLimiter>();
        builder.Services.AddRateLimiter(_ => { });
        builder.Services.AddOptions<RateLimiterOptions>().Configure<GatewayRateLimiter, ClientAddressLimits>((limiter, perPrincipal, perAddress) =>
        {
            limiter.GlobalLimiter = perPrincipal;
            limiter.AddPolicy(PerClientIpPolicy, context => RateLimitPartition.Get(
                ClientNetwork.Of(context.Connection.RemoteIpAddress), perAddress.For));
            limiter.OnRejected = (rejected, _) =>
            {
                var response = rejected.HttpContext.Response;
                if ((rejected.Lease as DecisionLease)?.Decision is not { } decision)
                {
                    response.Headers.RetryAfter = "1";
                    return new ValueTask(ApiError.RateLimited(1).ExecuteAsync(rejected.HttpContext));
                }

                RateLimitHeaders.Add(response, decision);
                return new ValueTask(ApiError.RateLimited((int)decision.RetryAfterSeconds).ExecuteAsync(rejected.HttpContext));
            };
        });
        return builder;
    }
}
