using System.Collections.Concurrent;
using Accounting.ServiceDefaults.Identity;

namespace Accounting.Gateway.Authentication;

/// <summary>
/// Signs the identity the gateway forwards to a service. An ES256 signature per request would be
/// the gateway's most expensive step, so a token is reused for the same principal and audience
/// while it has at least half its lifetime left: it vouches for exactly the same facts.
/// </summary>
public sealed class InternalIdentityMinter(InternalIdentityIssuer issuer, TimeProvider clock)
{
    private const int MaxCachedTokens = 100_000;
    private static readonly TimeSpan ReuseFor = InternalIdentityIssuer.Lifetime / 2;

    private readonly ConcurrentDictionary<(Caller Caller, string Audience), MintedToken> tokens = new(CallerKeyComparer.Instance);

    public string For(Caller caller, string audience)
    {
        var now = clock.GetUtcNow();
        if (tokens.TryGetValue((caller, audience), out var cached) && now - cached.MintedAt < ReuseFor && now >= cached.MintedAt)
        {
            return cached.Token;
        }

        if (tokens.Count >= MaxCachedTokens)
        {
            tokens.Clear();
        }

        var token = issuer.Issue(caller, audience);
        tokens[(caller, audience)] = new MintedToken(token, now);
        return token;
    }

    private sealed record MintedToken(string Token, DateTimeOffset MintedAt);

    /// <summary>Callers compare by every claim the token carries (the record's set of scopes compares by reference).</summary>
    private sealed class CallerKeyComparer : IEqualityComparer<(Caller Caller, string Audience)>
    {
        public static readonly CallerKeyComparer Instance = new();

        public bool Equals((Caller Caller, string Audience) x, (Caller Caller, string Audience) y) =>
            x.Audience == y.Audience
            && x.Caller.OrganisationId == y.Caller.OrganisationId
            && x.Caller.PrincipalId == y.Caller.PrincipalId
            && x.Caller.PrincipalType == y.Caller.PrincipalType
            && x.Caller.Role == y.Caller.Role
            && x.Caller.Scopes.SetEquals(y.Caller.Scopes);

        public int GetHashCode((Caller Caller, string Audience) key) =>
            HashCode.Combine(key.Audience, key.Caller.OrganisationId, key.Caller.PrincipalId, key.Caller.PrincipalType);
    }
}
