using System.Security.Cryptography;
using Accounting.ServiceDefaults.Identity;

namespace Accounting.Testing;

/// <summary>
/// Mints internal identities exactly as the gateway does, with a key pair made for the test
/// run. Services under test trust <see cref="VerificationKeyPath"/>.
/// </summary>
public static class TestIdentity
{
    private static readonly ECDsa SigningKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public static string VerificationKeyPath { get; } = WritePublicKey(SigningKey, "identity");

    /// <summary>The private half, for a gateway under test to sign with what services trust.</summary>
    public static string SigningKeyPath { get; } = WritePrivateKey(SigningKey, "identity");

    public static ECDsa VerificationKey { get; } = PublicHalf(SigningKey);

    /// <summary>The service whose own identity services under test trust on their internal endpoints (<c>ServiceIdentity:TrustedServices</c>).</summary>
    public const string TrustedService = "reports";

    private static readonly ECDsa ServiceSigningKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    /// <summary>The public half of <see cref="TrustedService"/>'s key pair, which services under test trust.</summary>
    public static string ServiceVerificationKeyPath { get; } = WritePublicKey(ServiceSigningKey, "service");

    /// <summary>The private half, for a <see cref="TrustedService"/> under test to sign its calls with.</summary>
    public static string ServiceSigningKeyPath { get; } = WritePrivateKey(ServiceSigningKey, "service");

    public static Caller Caller(string organisationId, params string[] scopes) =>
        new(organisationId, "usr_test", PrincipalType.User, "owner", scopes.ToHashSet(StringComparer.Ordinal));

    public static string Mint(Caller caller, string audience, TimeProvider? clock = null) =>
        new InternalIdentityIssuer(SigningKey, clock ?? TimeProvider.System).Issue(caller, audience);

    /// <summary>A token <see cref="TrustedService"/> signs itself for a call to <paramref name="audience"/>'s internal endpoints.</summary>
    public static string MintService(string organisationId, string audience, TimeProvider? clock = null) =>
        ServiceIssuer(ServiceSigningKey, clock).Issue(organisationId, audience);

    /// <summary>A token that says it is <see cref="TrustedService"/>'s but is signed with a key nobody trusts.</summary>
    public static string MintServiceForged(string organisationId, string audience)
    {
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return ServiceIssuer(stranger, null).Issue(organisationId, audience);
    }

    /// <summary>A token that says it is <see cref="TrustedService"/>'s but is signed with the gateway's key, which is not the key trusted for that issuer.</summary>
    public static string MintServiceWithGatewayKey(string organisationId, string audience) =>
        ServiceIssuer(SigningKey, null).Issue(organisationId, audience);

    /// <summary>A token in the gateway's name signed with <see cref="TrustedService"/>'s key: what a compromised service would try.</summary>
    public static string MintWithServiceKey(Caller caller, string audience) =>
        new InternalIdentityIssuer(ServiceSigningKey, TimeProvider.System).Issue(caller, audience);

    private static ServiceIdentityIssuer ServiceIssuer(ECDsa key, TimeProvider? clock) =>
        new(new InternalIdentityIssuer(key, clock ?? TimeProvider.System, ServiceIdentityOptions.IssuerOf(TrustedService)), TrustedService);

    /// <summary>A correctly formed token signed by a key the services do not trust.</summary>
    public static string MintForged(Caller caller, string audience)
    {
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return new InternalIdentityIssuer(stranger, TimeProvider.System).Issue(caller, audience);
    }

    private static string WritePrivateKey(ECDsa key, string name)
    {
        var path = Path.Combine(Path.GetTempPath(), $"accounting-test-{name}-{Environment.ProcessId}.key.pem");
        File.WriteAllText(path, key.ExportPkcs8PrivateKeyPem());
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return path;
    }

    private static ECDsa PublicHalf(ECDsa key)
    {
        var publicKey = ECDsa.Create();
        publicKey.ImportSubjectPublicKeyInfo(key.ExportSubjectPublicKeyInfo(), out _);
        return publicKey;
    }

    private static string WritePublicKey(ECDsa key, string name)
    {
        var path = Path.Combine(Path.GetTempPath(), $"accounting-test-{name}-{Environment.ProcessId}.pem");
        File.WriteAllText(path, key.ExportSubjectPublicKeyInfoPem());
        return path;
    }
}
