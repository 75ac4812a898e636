using System.Security.Cryptography;
using System.Text;

namespace Accounting.ServiceDefaults.Security;

/// <summary>
/// Encrypts small secrets at rest (TOTP secrets, private signing keys, webhook signing secrets) with AES-256-GCM.
/// Output: version (1) || nonce (12) || ciphertext || tag (16). The purpose (e.g. "totp:usr_123")
/// is authenticated with the ciphertext, so a value copied to another row or use fails to decrypt.
/// </summary>
public sealed class SecretProtector
{
    public const int KeySize = 32;

    private const byte Version = 1;
    private const int NonceSize = 12; // AesGcm.NonceByteSizes.MaxSize; random 96-bit nonces are the standard choice
    private const int TagSize = 16;
    private const int HeaderSize = 1 + NonceSize;

    // The key rather than an AesGcm instance: one AesGcm per call keeps the class safe to share
    // across threads without locking, and creating one is cheap next to a database round trip.
    private readonly byte[] _key;

    public SecretProtector(byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length != KeySize)
        {
            throw new ArgumentException($"The key must be {KeySize} bytes (AES-256), not {key.Length}.", nameof(key));
        }
        _key = (byte[])key.Clone(); // the caller may reuse or clear its array
    }

    /// <summary>Reads a key stored as base64 (e.g. written by <c>openssl rand -base64 32</c>).</summary>
    public static SecretProtector FromKeyFile(string path)
    {
        string text = File.ReadAllText(path).Trim();
        byte[] key;
        try
        {
            key = Convert.FromBase64String(text);
        }
        catch (FormatException e)
        {
            throw new InvalidOperationException($"The secret key file '{path}' must contain {KeySize} bytes as base64, but it is not base64.", e);
        }
        if (key.Length != KeySize)
        {
            throw new InvalidOperationException(
                $"The secret key file '{path}' must contain {KeySize} bytes as base64 (AES-256), but it holds {key.Length} bytes. Create one with `openssl rand -base64 32`.");
        }
        return new SecretProtector(key);
    }

    public byte[] Protect(ReadOnlySpan<byte> plaintext, string purpose)
    {
        var output = new byte[HeaderSize + plaintext.Length + TagSize];
        output[0] = Version;
        Span<byte> nonce = output.AsSpan(1, NonceSize);
        // A fresh random nonce per encryption: with 96 bits, repeats are negligible at our volumes.
        RandomNumberGenerator.Fill(nonce);

        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plaintext, output.AsSpan(HeaderSize, plaintext.Length), output.AsSpan(^TagSize), AssociatedData(purpose));
        return output;
    }

    /// <exception cref="CryptographicException">The data was altered, or protected with another key or purpose.</exception>
    public byte[] Unprotect(ReadOnlySpan<byte> protectedData, string purpose)
    {
        if (protectedData.Length < HeaderSize + TagSize || protectedData[0] != Version)
        {
            throw new CryptographicException("The protected data is malformed or of an unknown version.");
        }

        ReadOnlySpan<byte> ciphertext = protectedData[HeaderSize..^TagSize];
        var plaintext = new byte[ciphertext.Length];
        using var aes = new AesGcm(_key, TagSize);
        aes.Decrypt(protectedData.Slice(1, NonceSize), ciphertext, protectedData[^TagSize..], plaintext, AssociatedData(purpose));
        return plaintext;
    }

    // The version byte is authenticated too, so a future format can't be confused with this one.
    private static byte[] AssociatedData(string purpose)
    {
        ArgumentException.ThrowIfNullOrEmpty(purpose);
        return [Version, .. Encoding.UTF8.GetBytes(purpose)];
    }
}
