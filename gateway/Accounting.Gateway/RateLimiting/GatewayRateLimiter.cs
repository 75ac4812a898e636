using System.Threading.RateLimiting;
using Accounting.ServiceDefaults.Identity;
using Microsoft.Extensions.Options;

namespace Accounting.Gateway.RateLimiting;

/// <summary>
/// The global limiter of the rate-limiting middleware: per API key (per user for user tokens), on
/// the plan's buckets shared by every replica. Anonymous requests pass here; the per-address policy
/// on the public auth routes covers them.
/// </summary>
public sealed class GatewayRateLimiter(SharedTokenBuckets buckets, IOptions<RateLimitOptions> options) : PartitionedRateLimiter<HttpContext>
{
    public const string KeyPrefix = "accounting:rate:";

    public override RateLimiterStatistics? GetStatistics(HttpContext resource) => null;

    /// <summary>Never decides synchronously: the middleware then awaits <see cref="AcquireAsyncCore"/>.</summary>
    protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount) =>
        PartitionOf(resource) is null ? DecisionLease.Unlimited : DecisionLease.Deferred;

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resource);
        if (PartitionOf(resource) is not { } partition)
        {
            return DecisionLease.Unlimited;
        }

        var limits = options.Value.For(resource.User.FindFirst(IdentityClaims.Plan)?.Value);
        var decision = await buckets.ApplyAsync(KeyPrefix + partition, limits.Buckets, TokenCost.Take);
        if (decision.Admitted)
        {
            // A refusal gets its headers where it is answered, with Retry-After.
            RateLimitHeaders.Add(resource.Response, decision);
        }

        return new DecisionLease(decision);
    }

    /// <summary>The bucket owner: the key id for API keys, the user id for user tokens.</summary>
    private static string? PartitionOf(HttpContext context) =>
        context.User.Identity?.IsAuthenticated == true ? context.User.FindFirst(IdentityClaims.Subject)?.Value : null;
}

/// <summary>A lease that carries the decision, so the rejection handler can say when to retry.</summary>
internal sealed class DecisionLease : RateLimitLease
{
    public static readonly RateLimitLease Unlimited = new DecisionLease(admitted: true);
    public static readonly RateLimitLease Deferred = new DecisionLease(admitted: false);

    public DecisionLease(RateLimitDecision decision)
    {
        Decision = decision;
        IsAcquired = decision.Admitted;
    }

    private DecisionLease(bool admitted) => IsAcquired = admitted;

    public RateLimitDecision? Decision { get; }

    public override bool IsAcquired { get; }

    public override IEnumerable<string> MetadataNames => Decision is null || IsAcquired ? [] : [MetadataName.RetryAfter.Name];

    public override bool TryGetMetadata(string metadataName, out object? metadata)
    {
        if (Decision is { Admitted: false } refused && metadataName == MetadataName.RetryAfter.Name)
        {
            metadata = TimeSpan.FromSeconds(refused.RetryAfterSeconds);
            return true;
        }

        metadata = null;
        return false;
    }
}
