using Accounting.ServiceDefaults.Health;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using StackExchange.Redis;

namespace Accounting.Redis;

public static class RedisExtensions
{
    /// <summary>One multiplexer per process (it is thread-safe and multiplexes), plus its readiness check.</summary>
    public static WebApplicationBuilder AddRedis(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = ConfigurationOptions.Parse(builder.Configuration.GetConnectionString("Redis")
            ?? throw new InvalidOperationException("ConnectionStrings:Redis is not configured."));
        // Start even while Redis is down; the multiplexer reconnects by itself when it returns.
        options.AbortOnConnectFail = false;
        // While disconnected, fail at once instead of queueing commands for the 5 s backlog timeout:
        // callers (the gateway's rate limiter) have a local fallback that must take over immediately.
        options.BacklogPolicy = BacklogPolicy.FailFast;
        builder.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(options));
        builder.Services.AddHealthChecks().AddRedis(
            services => services.GetRequiredService<IConnectionMultiplexer>(), name: "redis", tags: [Readiness.Tag], timeout: Readiness.Timeout);
        builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddRedisInstrumentation());
        return builder;
    }
}
