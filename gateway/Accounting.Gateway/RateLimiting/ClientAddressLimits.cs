using System.Net;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Accounting.Gateway.RateLimiting;

/// <summary>
/// The per-client-address budgets of contract §4, kept in the shared buckets so that N replicas
/// do not allow N times the limit: requests to the public auth routes, and failed credentials.
/// </summary>
public sealed class ClientAddressLimits(SharedTokenBuckets buckets, IOptions<RateLimitOptions> options)
{
    public const string RequestsKeyPrefix = GatewayRateLimiter.KeyPrefix + "address:";
    public const string FailuresKeyPrefix = GatewayRateLimiter.KeyPrefix + "failed-auth:";

    public ValueTask<RateLimitDecision> TakeRequestAsync(string network) =>
        buckets.ApplyAsync(RequestsKeyPrefix + network, RateLimitOptions.PerMinute(options.Value.AnonymousRequestsPerMinute), TokenCost.Take);

    /// <summary>Spends one failure of the address's budget; refused once the budget is spent.</summary>
    public ValueTask<RateLimitDecision> TakeFailureAsync(IPAddress? client) => ApplyToFailuresAsync(client, TokenCost.Take);

    /// <summary>Returns a failure taken before a lookup whose credential turned out good (or could not be checked).</summary>
    public async ValueTask GiveBackFailureAsync(IPAddress? client) => await ApplyToFailuresAsync(client, TokenCost.GiveBack);

    private ValueTask<RateLimitDecision> ApplyToFailuresAsync(IPAddress? client, TokenCost cost) =>
        buckets.ApplyAsync(FailuresKeyPrefix + ClientNetwork.Of(client), RateLimitOptions.PerMinute(options.Value.FailedAuthenticationsPerMinute), cost);

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
