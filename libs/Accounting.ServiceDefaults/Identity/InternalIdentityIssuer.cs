using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Accounting.ServiceDefaults.Identity;

/// <summary>
/// Mints the internal identity token that the gateway forwards to a service. Lifetime is short
/// because the token is re-minted on every request and only needs to survive one hop.
/// </summary>
public sealed class InternalIdentityIssuer(ECDsa signingKey, TimeProvider clock, string issuer = InternalIdentityOptions.DefaultIssuer)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(60);

    private readonly SigningCredentials credentials =
        new(new ECDsaSecurityKey(signingKey), SecurityAlgorithms.EcdsaSha256);

    private readonly JsonWebTokenHandler handler = new() { SetDefaultTimesOnTokenCreation = false };

    public string Issue(Caller caller, string audience)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var now = clock.GetUtcNow().UtcDateTime;
        var claims = new Dictionary<string, object>
        {
            [IdentityClaims.Organisation] = caller.OrganisationId,
            [IdentityClaims.Subject] = caller.PrincipalId,
            [IdentityClaims.PrincipalType] = IdentityClaims.Format(caller.PrincipalType),
            [IdentityClaims.Scope] = string.Join(' ', caller.Scopes.Order(StringComparer.Ordinal)),
        };
        if (caller.Role is not null)
        {
            claims[IdentityClaims.Role] = caller.Role;
        }

        return handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + Lifetime,
            Claims = claims,
            SigningCredentials = credentials,
        });
    }
}
