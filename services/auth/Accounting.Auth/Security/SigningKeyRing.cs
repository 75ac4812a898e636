using System.Security.Cryptography;
using System.Text.Json;
using Accounting.ServiceDefaults.Security;
using Dapper;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Npgsql;

namespace Accounting.Auth.Security;

/// <summary>
/// The keys that sign access tokens. The newest signs; older ones stay in the JWKS until every
/// token they signed has expired, so a rotation never invalidates a live session. Keys live in
/// the database (private halves encrypted), so every replica signs with the same key and a
/// restart keeps them. A new key is made when the current one's rotation period ends.
/// </summary>
public sealed class SigningKeyRing(NpgsqlDataSource dataSource, SecretProtector protector, IOptions<AuthOptions> options, TimeProvider clock) : IDisposable
{
    private const long CreationLockKey = 0x53_49_47_4E_4B_45_59; // "SIGNKEY"
    private static readonly TimeSpan ReloadInterval = TimeSpan.FromMinutes(1);

    private readonly AuthOptions settings = options.Value;
    private readonly SemaphoreSlim reloading = new(1, 1);
    private Snapshot? snapshot;

    public sealed record Snapshot(SigningCredentials Signer, DateTimeOffset SignerUntil, string Jwks, DateTimeOffset LoadedAt);

    private sealed record StoredKey(string Kid, byte[] PrivateKey, string PublicJwk, DateTimeOffset CreatedAt);

    public async ValueTask<Snapshot> CurrentAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (snapshot is { } fresh && now - fresh.LoadedAt < ReloadInterval && now < fresh.SignerUntil)
        {
            return fresh;
        }

        await reloading.WaitAsync(cancellationToken);
        try
        {
            if (snapshot is { } reloaded && now - reloaded.LoadedAt < ReloadInterval && now < reloaded.SignerUntil)
            {
                return reloaded;
            }

            snapshot = await LoadAsync(now, cancellationToken);
            return snapshot;
        }
        finally
        {
            reloading.Release();
        }
    }

    private async Task<Snapshot> LoadAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Replicas starting together must agree on one new key, not make one each.
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@CreationLockKey)", new { CreationLockKey }, transaction, cancellationToken: cancellationToken));
        var keys = (await connection.QueryAsync<StoredKey>(new CommandDefinition(
            "SELECT kid, private_key, public_jwk::text AS public_jwk, created_at FROM signing_keys WHERE retire_at > @Now ORDER BY created_at DESC",
            new { Now = now }, transaction, cancellationToken: cancellationToken))).AsList();

        if (keys.Count == 0 || keys[0].CreatedAt + settings.SigningKeyRotation <= now)
        {
            var created = CreateKey(now);
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO signing_keys (kid, private_key, public_jwk, created_at, retire_at) VALUES (@Kid, @PrivateKey, @PublicJwk::jsonb, @CreatedAt, @RetireAt)",
                new { created.Kid, created.PrivateKey, created.PublicJwk, created.CreatedAt, RetireAt = now + settings.SigningKeyRotation + settings.AccessTokenLifetime },
                transaction, cancellationToken: cancellationToken));
            keys.Insert(0, created);
        }

        await transaction.CommitAsync(cancellationToken);

        var signer = keys[0];
        var ecdsa = ECDsa.Create();
        ecdsa.ImportPkcs8PrivateKey(protector.Unprotect(signer.PrivateKey, Purpose(signer.Kid)), out _);
        var credentials = new SigningCredentials(new ECDsaSecurityKey(ecdsa) { KeyId = signer.Kid }, SecurityAlgorithms.EcdsaSha256);
        var jwks = "{\"keys\":[" + string.Join(',', keys.Select(k => k.PublicJwk)) + "]}";
        return new Snapshot(credentials, signer.CreatedAt + settings.SigningKeyRotation, jwks, now);
    }

    private StoredKey CreateKey(DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var kid = "key_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var parameters = key.ExportParameters(includePrivateParameters: false);
        var jwk = JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["kty"] = "EC",
            ["crv"] = "P-256",
            ["x"] = Base64UrlEncoder.Encode(parameters.Q.X),
            ["y"] = Base64UrlEncoder.Encode(parameters.Q.Y),
            ["kid"] = kid,
            ["use"] = "sig",
            ["alg"] = "ES256",
        });
        return new StoredKey(kid, protector.Protect(key.ExportPkcs8PrivateKey(), Purpose(kid)), jwk, now);
    }

    private static string Purpose(string kid) => "signing-key:" + kid;

    public void Dispose() => reloading.Dispose();
}
