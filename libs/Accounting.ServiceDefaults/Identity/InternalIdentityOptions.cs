using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;

namespace Accounting.ServiceDefaults.Identity;

/// <summary>
/// The gateway signs a short-lived ES256 token per request with its private key; services hold
/// only the public key, so a compromised service cannot mint identities for the others.
/// </summary>
public sealed class InternalIdentityOptions : AuthenticationSchemeOptions
{
    public const string SectionName = "InternalIdentity";
    public const string Scheme = "InternalIdentity";
    public const string HeaderName = "X-Internal-Identity";
    public const string DefaultIssuer = "accounting-gateway";

    public string Issuer { get; set; } = DefaultIssuer;

    /// <summary>The service this token is for; a token minted for one service is refused by another.</summary>
    public string Audience { get; set; } = "";

    /// <summary>PEM file with the gateway's public key (SubjectPublicKeyInfo).</summary>
    public string? VerificationKeyPath { get; set; }

    /// <summary>Set directly (tests) or loaded from <see cref="VerificationKeyPath"/>.</summary>
    public ECDsa? VerificationKey { get; set; }

    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The issuers a scheme accepts, each with the one public key its tokens must be signed with:
    /// the gateway alone for <see cref="Scheme"/>, the configured services for
    /// <see cref="ServiceIdentityOptions.Scheme"/>. Never bound from configuration.
    /// </summary>
    internal Dictionary<string, ECDsa> TrustedIssuers { get; } = new(StringComparer.Ordinal);
}
