using Microsoft.IdentityModel.Tokens;

namespace Accounting.ServiceDefaults.Identity;

/// <summary>
/// The one definition of a valid user access token, shared by the auth service that issues
/// them and the gateway that checks them: ES256 only (never <c>none</c>, never an HMAC keyed
/// with a public key), a key from auth's JWKS, the right issuer and audience, unexpired.
/// </summary>
public static class UserTokens
{
    public const string Algorithm = SecurityAlgorithms.EcdsaSha256;
    public const string OrganisationClaim = "org";
    public const string RoleClaim = "role";

    /// <summary>The organisation's plan when the token was issued: the gateway's rate limits for its users.</summary>
    public const string PlanClaim = "plan";

    public static TokenValidationParameters ValidationParameters(JsonWebKeySet keys, string issuer, string audience)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return new TokenValidationParameters
        {
            IssuerSigningKeys = keys.GetSigningKeys(),
            ValidAlgorithms = [Algorithm],
            ValidIssuer = issuer,
            ValidAudience = audience,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateIssuerSigningKey = true,
            TryAllIssuerSigningKeys = false,
            ClockSkew = TimeSpan.FromSeconds(30),
        };
    }
}
