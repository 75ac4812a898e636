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

    /// <summary>
    /// How long "auth has no such key" is believed. A client learns a key's secret only once auth
    /// has created it, so a remembered miss refuses a real key only if a lookup raced its creation;
    /// a few seconds bound that. Longer would save auth little: the failed-credential limit per
    /// client address already caps how often any one client makes auth look a key up.
    /// </summary>
    public TimeSpan UnknownApiKeyCacheDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>At most this many resolved keys are kept; beyond it the least recently used make room.</summary>
    public int ApiKeyCacheSize { get; set; } = 100_000;

    /// <summary>
    /// At most this many hashes auth does not know are remembered, apart from the resolved keys so
    /// that a flood of made-up keys never pushes a real one out.
    /// </summary>
    public int UnknownApiKeyCacheSize { get; set; } = 100_000;

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
