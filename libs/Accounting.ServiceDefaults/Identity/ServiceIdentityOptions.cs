namespace Accounting.ServiceDefaults.Identity;

/// <summary>
/// Service-to-service identity: a service that calls another's internal endpoints signs its own
/// short-lived ES256 token (issuer <c>accounting-&lt;service&gt;</c>, audience the service called)
/// with a private key only it holds; the called service trusts the public keys it is configured
/// with, by service name. Such a token is accepted only where an endpoint says
/// <see cref="ScopeEndpointExtensions.RequireService{TBuilder}"/>, never on a public route, and a
/// gateway-minted identity is never accepted there.
/// </summary>
public sealed class ServiceIdentityOptions
{
    public const string SectionName = "ServiceIdentity";
    public const string Scheme = "ServiceIdentity";

    /// <summary>PEM file (PKCS#8) with this service's own private key, for the calls it makes.</summary>
    public string? SigningKeyPath { get; set; }

    /// <summary>The services whose tokens this service's internal endpoints accept, by service name (<c>reports</c>).</summary>
    public Dictionary<string, TrustedService> TrustedServices { get; } = new(StringComparer.Ordinal);

    /// <summary>The issuer a service's tokens carry: <c>accounting-reports</c> for <c>reports</c>, like the gateway's <c>accounting-gateway</c>.</summary>
    public static string IssuerOf(string serviceName) => $"accounting-{serviceName}";
}

public sealed class TrustedService
{
    /// <summary>PEM file with the service's public key (SubjectPublicKeyInfo).</summary>
    public string? VerificationKeyPath { get; set; }
}
