using Accounting.Reports.Ledger;
using Accounting.ServiceDefaults;
using Microsoft.Extensions.Options;

// The conventional home of Add* registrations: Program.cs registers the feed in one line, without a using.
namespace Microsoft.Extensions.DependencyInjection;

public static class LedgerFeedExtensions
{
    /// <summary>
    /// <see cref="ILedgerFeed"/> as a typed client of the ledger at <c>Ledger:BaseAddress</c>, signing
    /// with the reports service's key at <c>ServiceIdentity:SigningKeyPath</c>. Calls are GETs, so the
    /// standard pipeline may retry them: transient failures (5xx, 408, 429, timeouts) are retried with
    /// backoff, each attempt is bounded, the whole call too, and a ledger that keeps failing opens
    /// the circuit so callers fail fast instead of piling up.
    /// </summary>
    public static IServiceCollection AddLedgerFeed(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(LedgerFeedOptions.SectionName);
        services.AddOptions<LedgerFeedOptions>().Bind(section).ValidateDataAnnotations();
        services.AddServiceIdentityIssuer(configuration, "reports");
        services.AddTransient<LedgerIdentityHandler>();
        var timeouts = section.Get<LedgerFeedOptions>() ?? new LedgerFeedOptions();
        services.AddHttpClient<ILedgerFeed, LedgerFeedClient>(LedgerFeedClient.HttpClientName, (sp, http) =>
            {
                http.BaseAddress = WithTrailingSlash(sp.GetRequiredService<IOptions<LedgerFeedOptions>>().Value.BaseAddress!);
                // The resilience pipeline bounds every call; the client's own timeout must not cut it short.
                http.Timeout = Timeout.InfiniteTimeSpan;
            })
            .AddStandardResilienceHandler(resilience =>
            {
                resilience.AttemptTimeout.Timeout = timeouts.AttemptTimeout;
                resilience.TotalRequestTimeout.Timeout = timeouts.TotalTimeout;
                resilience.CircuitBreaker.SamplingDuration = 2 * timeouts.AttemptTimeout;
            })
            .Services
            .AddHttpClient(LedgerFeedClient.HttpClientName)
            // Added after the resilience handler, so it runs inside it: once per attempt.
            .AddHttpMessageHandler<LedgerIdentityHandler>();
        return services;
    }

    private static Uri WithTrailingSlash(Uri address) =>
        address.AbsoluteUri.EndsWith('/') ? address : new Uri(address.AbsoluteUri + "/");
}
