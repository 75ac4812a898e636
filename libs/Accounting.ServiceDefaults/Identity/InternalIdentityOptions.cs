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
}
