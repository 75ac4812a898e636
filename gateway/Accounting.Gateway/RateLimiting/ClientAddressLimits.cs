using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Accounting.Gateway.RateLimiting;

/// <summary>
/// The per-client-address budget of contract §4 for the public auth routes, kept in the shared
/// buckets so that N replicas do not allow N times the limit.
/// </summary>
public sealed class ClientAddressLimits(SharedTokenBuckets buckets, IOptions<RateLimitOptions> options)
{
    public const string RequestsKeyPrefix = GatewayRateLimiter.KeyPrefix + "address:";

    public ValueTask<RateLimitDecision> TakeRequestAsync(string network) =>
        buckets.ApplyAsync(RequestsKeyPrefix + network, RateLimitOptions.PerMinute(options.Value.AnonymousRequestsPerMinute), TokenCost.Take);

    /// <summary>The per-address policy's limiter for one client network; the state lives in the shared buckets.</summary>
    internal RateLimiter For(string network) => new NetworkLimiter(this, network);

    private sealed class NetworkLimiter(ClientAddressLimits limits, string network) : RateLimiter
    {
        /// <summary>Holds nothing of its own, so the middleware may drop it whenever it likes.</summary>
        public override TimeSpan? IdleDuration => TimeSpan.MaxValue;

        public override RateLimiterStatistics? GetStatistics() => null;

        /// <summary>Never decides synchronously: the middleware then awaits <see cref="AcquireAsyncCore"/>.</summary>
        protected override RateLimitLease AttemptAcquireCore(int permitCount) => DecisionLease.Deferred;

        protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
            new DecisionLease(await limits.TakeRequestAsync(network));
    }
}
