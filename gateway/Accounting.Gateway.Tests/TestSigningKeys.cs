using System.Security.Cryptography;
using System.Text.Json;
using Accounting.ServiceDefaults.Identity;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Accounting.Gateway.Tests;

/// <summary>Plays auth's part for user tokens: ES256 keys, their JWKS, and tokens signed with them.</summary>
public sealed class TestSigningKeys
{
    public const string Issuer = "accounting-auth";
    public const string Audience = "accounting-api";

    private readonly List<ECDsaSecurityKey> published = [];

    public TestSigningKeys() => Current = Rotate();

    public ECDsaSecurityKey Current { get; private set; }

    public string Document
    {
        get
        {
            lock (published)
            {
                return JsonSerializer.Serialize(new { keys = published.Select(Jwk) });
            }
        }
    }

    /// <summary>A new signing key, published beside the old ones (as auth does when it rotates).</summary>
    public ECDsaSecurityKey Rotate()
    {
        var key = NewKey();
        lock (published)
        {
            published.Add(key);
        }

        Current = key;
        return key;
    }

    public static ECDsaSecurityKey NewKey() =>
        new(ECDsa.Create(ECCurve.NamedCurves.nistP256)) { KeyId = "key_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)) };

    /// <param name="clock">The gateway's clock, when a test froze it: the token is issued at its time, not the wall clock's.</param>
    public string Mint(string userId, string organisationId, string role = "owner", ECDsaSecurityKey? key = null,
        DateTime? expires = null, string issuer = Issuer, string audience = Audience, string? plan = null, TimeProvider? clock = null) =>
        Mint(new SigningCredentials(key ?? Current, SecurityAlgorithms.EcdsaSha256), userId, organisationId, role,
            expires ?? clock?.GetUtcNow().UtcDateTime.AddMinutes(15), issuer, audience, plan);

    public static string Mint(SigningCredentials credentials, string userId, string organisationId, string role = "owner",
        DateTime? expires = null, string issuer = Issuer, string audience = Audience, string? plan = null)
    {
        var expiry = expires ?? DateTime.UtcNow.AddMinutes(15);
        var claims = new Dictionary<string, object>
        {
            [IdentityClaims.Subject] = userId,
            [UserTokens.OrganisationClaim] = organisationId,
            [UserTokens.RoleClaim] = role,
            ["jti"] = Guid.NewGuid().ToString("N"),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = expiry.AddMinutes(-15),
            NotBefore = expiry.AddMinutes(-15),
            Expires = expiry,
            Claims = plan is null ? claims : new Dictionary<string, object>(claims) { [UserTokens.PlanClaim] = plan },
            SigningCredentials = credentials,
        });
    }

    private static Dictionary<string, string> Jwk(ECDsaSecurityKey key)
    {
        var parameters = key.ECDsa.ExportParameters(includePrivateParameters: false);
        return new Dictionary<string, string>
        {
            ["kty"] = "EC",
            ["crv"] = "P-256",
            ["x"] = Base64UrlEncoder.Encode(parameters.Q.X),
            ["y"] = Base64UrlEncoder.Encode(parameters.Q.Y),
            ["kid"] = key.KeyId,
            ["use"] = "sig",
            ["alg"] = "ES256",
        };
    }
}
