using System.Security.Cryptography;
using System.Text.Json;
using Accounting.ServiceDefaults.Security;
using Dapper;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Npgsql;

namespace Accounting.Auth.Security;

/// <summary>
/// The keys that sign access tokens. Keys live in the database (private halves encrypted), so
/// every replica signs with the same key and a restart keeps them. A key is published in the JWKS
/// <see cref="AuthOptions.SigningKeyPublishLead"/> before it signs, so no gateway's cached copy
/// lacks it when its first token arrives; it signs for <see cref="AuthOptions.SigningKeyRotation"/>,
/// until its successor takes over, and stays published until every token it signed has expired.
/// </summary>
public sealed class SigningKeyRing(NpgsqlDataSource dataSource, SecretProtector protector, IOptions<AuthOptions> options, TimeProvider clock) : IDisposable
{
    private const long CreationLockKey = 0x53_49_47_4E_4B_45_59; // "SIGNKEY"
    private static readonly TimeSpan ReloadInterval = TimeSpan.FromMinutes(1);

    private readonly AuthOptions settings = options.Value;
    private readonly SemaphoreSlim reloading = new(1, 1);
    private Snapshot? snapshot;

    public sealed record Snapshot(SigningCredentials Signer, DateTimeOffset SignerUntil, string Jwks, DateTimeOffset LoadedAt);

    private sealed record StoredKey(string Kid, byte[] PrivateKey, string PublicJwk, DateTimeOffset SignsFrom);

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
            "SELECT kid, private_key, public_jwk::text AS public_jwk, signs_from FROM signing_keys WHERE retire_at > @Now ORDER BY signs_from DESC",
            new { Now = now }, transaction, cancellationToken: cancellationToken))).AsList();

        // Only the very first key finds no key signing: no token exists yet for a gateway to refuse, so it signs at once.
        var signer = keys.Find(key => key.SignsFrom <= now) ?? await InsertAsync(transaction, keys, now, now, cancellationToken);
        var successor = keys.FindLast(key => key.SignsFrom > now);
        if (successor is null && now >= signer.SignsFrom + settings.SigningKeyRotation - settings.SigningKeyPublishLead)
        {
            // A late hand-over (nobody asked for a key in time) keeps the lead whole: the current key signs a little longer.
            var takesOver = Max(signer.SignsFrom + settings.SigningKeyRotation, now + settings.SigningKeyPublishLead);
            successor = await InsertAsync(transaction, keys, now, takesOver, cancellationToken);
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE signing_keys SET retire_at = @RetireAt WHERE kid = @Kid",
                new { signer.Kid, RetireAt = takesOver + settings.AccessTokenLifetime }, transaction, cancellationToken: cancellationToken));
        }

        await transaction.CommitAsync(cancellationToken);

        var ecdsa = ECDsa.Create();
        ecdsa.ImportPkcs8PrivateKey(protector.Unprotect(signer.PrivateKey, Purpose(signer.Kid)), out _);
        var credentials = new SigningCredentials(new ECDsaSecurityKey(ecdsa) { KeyId = signer.Kid }, SecurityAlgorithms.EcdsaSha256);
        var jwks = "{\"keys\":[" + string.Join(',', keys.Select(k => k.PublicJwk)) + "]}";
        return new Snapshot(credentials, successor?.SignsFrom ?? signer.SignsFrom + settings.SigningKeyRotation, jwks, now);
    }

    /// <summary>Its retirement is set when a successor is made: until then nobody knows how long it signs.</summary>
    private async Task<StoredKey> InsertAsync(
        NpgsqlTransaction transaction, List<StoredKey> keys, DateTimeOffset now, DateTimeOffset signsFrom, CancellationToken cancellationToken)
    {
        var created = CreateKey(signsFrom);
        await transaction.Connection!.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO signing_keys (kid, private_key, public_jwk, created_at, signs_from, retire_at)
            VALUES (@Kid, @PrivateKey, @PublicJwk::jsonb, @Now, @SignsFrom, 'infinity')
            """,
            new { created.Kid, created.PrivateKey, created.PublicJwk, Now = now, created.SignsFrom },
            transaction, cancellationToken: cancellationToken));
        keys.Insert(0, created);
        return created;
    }

    private static DateTimeOffset Max(DateTimeOffset first, DateTimeOffset second) => first > second ? first : second;

    private StoredKey CreateKey(DateTimeOffset signsFrom)
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
        return new StoredKey(kid, protector.Protect(key.ExportPkcs8PrivateKey(), Purpose(kid)), jwk, signsFrom);
    }

    private static string Purpose(string kid) => "signing-key:" + kid;

    public void Dispose() => reloading.Dispose();
}
