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

    public static string VerificationKeyPath { get; } = WritePublicKey(SigningKey);

    /// <summary>The private half, for a gateway under test to sign with what services trust.</summary>
    public static string SigningKeyPath { get; } = WritePrivateKey(SigningKey);

    public static ECDsa VerificationKey { get; } = PublicHalf(SigningKey);

    public static Caller Caller(string organisationId, params string[] scopes) =>
        new(organisationId, "usr_test", PrincipalType.User, "owner", scopes.ToHashSet(StringComparer.Ordinal));

    public static string Mint(Caller caller, string audience, TimeProvider? clock = null) =>
        new InternalIdentityIssuer(SigningKey, clock ?? TimeProvider.System).Issue(caller, audience);

    /// <summary>A correctly formed token signed by a key the services do not trust.</summary>
    public static string MintForged(Caller caller, string audience)
    {
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return new InternalIdentityIssuer(stranger, TimeProvider.System).Issue(caller, audience);
    }

    private static string WritePrivateKey(ECDsa key)
    {
        var path = Path.Combine(Path.GetTempPath(), $"accounting-test-identity-{Environment.ProcessId}.key.pem");
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

    private static string WritePublicKey(ECDsa key)
    {
        var path = Path.Combine(Path.GetTempPath(), $"accounting-test-identity-{Environment.ProcessId}.pem");
        File.WriteAllText(path, key.ExportSubjectPublicKeyInfoPem());
        return path;
    }
}
