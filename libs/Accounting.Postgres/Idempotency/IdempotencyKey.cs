using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Accounting.ServiceDefaults.Identity;
using Microsoft.AspNetCore.Http;

namespace Accounting.Postgres.Idempotency;

/// <summary>
/// Everything the server keeps about a client's Idempotency-Key, derived from the key itself
/// (HKDF, salted with the principal that sent it: the user or API key within its organisation):
/// a lookup hash, a lock id, a MAC key for the request
/// fingerprint and an AES-GCM key for the stored response. A copy of the table therefore reveals
/// no response body, not even the credentials some responses show once, to anyone without the
/// key, which only the client holds. The protection is as strong as the key: clients should use
/// random keys (UUIDs), as the API reference says.
/// </summary>
/// <remarks>
/// A key is its client's own, as Stripe and the IETF Idempotency-Key draft treat it: another user
/// or key of the organisation presenting the same string derives other material, so it runs its
/// own request and can never be handed the first principal's response (tokens, secrets, keys).
/// </remarks>
internal sealed class IdempotencyKey
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private static readonly byte[] Purpose = "accounting idempotency key v2"u8.ToArray();

    private readonly byte[] macKey;
    private readonly byte[] sealKey;

    private IdempotencyKey(byte[] hash, byte[] macKey, byte[] sealKey)
    {
        Hash = hash;
        this.macKey = macKey;
        this.sealKey = sealKey;
    }

    public byte[] Hash { get; }

    /// <summary>The transaction-scoped advisory lock that admits one request per key at a time.</summary>
    public long LockId => BinaryPrimitives.ReadInt64BigEndian(Hash);

    public static IdempotencyKey Derive(Caller caller, string key)
    {
        var principal = $"{caller.OrganisationId}\n{IdentityClaims.Format(caller.PrincipalType)}\n{caller.PrincipalId}";
        var material = HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(key), 96, Encoding.UTF8.GetBytes(principal), Purpose);
        return new(material[..32], material[32..64], material[64..]);
    }

    /// <summary>A MAC of the method, path, query and body: equal only for the same request under the same key.</summary>
    public async Task<byte[]> FingerprintAsync(HttpRequest request)
    {
        request.EnableBuffering();
        using var mac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, macKey);
        mac.AppendData(Encoding.UTF8.GetBytes($"{request.Method} {request.PathBase}{request.Path}{request.QueryString}\n"));
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            mac.AppendData(chunk, 0, read);
        }

        request.Body.Position = 0;
        return mac.GetHashAndReset();
    }

    /// <summary>Nonce, tag and ciphertext, in that order.</summary>
    public byte[] Seal(ReadOnlySpan<byte> body)
    {
        var sealedBody = new byte[NonceSize + TagSize + body.Length];
        var nonce = sealedBody.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(sealKey, TagSize);
        aes.Encrypt(nonce, body, sealedBody.AsSpan(NonceSize + TagSize), sealedBody.AsSpan(NonceSize, TagSize));
        return sealedBody;
    }

    public byte[] Open(byte[] sealedBody)
    {
        ArgumentNullException.ThrowIfNull(sealedBody);
        var body = new byte[sealedBody.Length - NonceSize - TagSize];
        using var aes = new AesGcm(sealKey, TagSize);
        aes.Decrypt(sealedBody.AsSpan(0, NonceSize), sealedBody.AsSpan(NonceSize + TagSize), sealedBody.AsSpan(NonceSize, TagSize), body);
        return body;
    }
}
