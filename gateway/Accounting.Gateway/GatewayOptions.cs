namespace Accounting.Gateway;

/// <summary>How the gateway checks credentials (section <c>Gateway</c>).</summary>
public sealed class GatewayOptions
{
    public const string SectionName = "Gateway";

    /// <summary>The <c>iss</c> every user token must carry: the auth service.</summary>
    public string Issuer { get; set; } = "accounting-auth";

    /// <summary>The <c>aud</c> every user token must carry.</summary>
    public string Audience { get; set; } = "accounting-api";

    /// <summary>
    /// How long a resolved key is trusted without asking auth again. Revocations arrive over Redis
    /// within a second; this bounds staleness only if such a notice is ever lost.
    /// </summary>
    public TimeSpan ApiKeyCacheDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Short, so a key just created works at once, yet a flood of made-up keys costs auth little.</summary>
    public TimeSpan UnknownApiKeyCacheDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often last-used times are reported to auth (contract: to within a minute).</summary>
    public TimeSpan UsageReportInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Auth's keys are re-read this often, and sooner when a token names an unknown key.</summary>
    public TimeSpan JwksRefreshInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>At most one JWKS fetch per interval for unknown key ids, so forged <c>kid</c>s cannot flood auth.</summary>
    public TimeSpan JwksUnknownKeyRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Addresses or networks (<c>10.0.0.0/8</c>) of the load balancers in front of the gateway. A
    /// request from one of them is taken to come from the address its proxy appended last to
    /// <c>X-Forwarded-For</c>, which the per-address limits then use. Empty: the connection's own
    /// address is the client's, and <c>X-Forwarded-For</c> is ignored.
    /// </summary>
    public IReadOnlyList<string> TrustedProxies { get; set; } = [];
}
