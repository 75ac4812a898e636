using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Accounting.Auth.Security;

/// <summary>
/// Time-based one-time passwords (RFC 6238) with the parameters every authenticator app
/// understands: HMAC-SHA1, 6 digits, 30-second steps from the Unix epoch.
/// </summary>
public static class Totp
{
    public const int Digits = 6;
    public const int StepSeconds = 30;
    public const int SecretBytes = 20;

    private const string Base32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    /// <summary>160 bits, the key length RFC 4226 recommends for HMAC-SHA1.</summary>
    public static byte[] GenerateSecret() => RandomNumberGenerator.GetBytes(SecretBytes);

    public static long TimeStep(DateTimeOffset at) => at.ToUnixTimeSeconds() / StepSeconds;

    // Authenticator apps only speak SHA-1 reliably; HMAC-SHA1 is not weakened by SHA-1 collisions.
    [SuppressMessage("Security", "CA5350:Do Not Use Weak Cryptographic Algorithms", Justification = "RFC 6238 / authenticator apps use HMAC-SHA1.")]
    public static string Code(ReadOnlySpan<byte> secret, long timeStep, int digits = Digits)
    {
        // 8 digits is the most RFC 4226 truncation supports (31 bits); fewer than 6 is too guessable.
        ArgumentOutOfRangeException.ThrowIfLessThan(digits, 6);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(digits, 8);

        Span<byte> counter = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(counter, timeStep);
        Span<byte> hash = stackalloc byte[HMACSHA1.HashSizeInBytes];
        HMACSHA1.HashData(secret, counter, hash);

        // Dynamic truncation (RFC 4226 §5.3): 31 bits from an offset chosen by the last nibble.
        int offset = hash[^1] & 0x0F;
        int binary = BinaryPrimitives.ReadInt32BigEndian(hash[offset..]) & 0x7FFF_FFFF;
        int otp = binary % (int)Math.Pow(10, digits);
        return otp.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0');
    }

    /// <summary>
    /// Returns the time step the code belongs to, or null. One step either side of now is accepted
    /// for clock drift. A step at or before <paramref name="lastUsedStep"/> is refused, so a code
    /// works once and an older code can't be slipped in after a newer one; the caller persists the
    /// returned step as the new last used step.
    /// </summary>
    public static long? Verify(ReadOnlySpan<byte> secret, string code, DateTimeOffset now, long? lastUsedStep)
    {
        if (code is not { Length: Digits } || code.AsSpan().ContainsAnyExceptInRange('0', '9'))
        {
            return null;
        }

        long current = TimeStep(now);
        long? matched = null;
        // Every candidate is computed and compared, so the time taken doesn't tell which matched.
        for (long step = current - 1; step <= current + 1; step++)
        {
            string expected = Code(secret, step);
            if (CryptographicOperations.FixedTimeEquals(MemoryMarshal.AsBytes(code.AsSpan()), MemoryMarshal.AsBytes(expected.AsSpan())))
            {
                matched = step;
            }
        }

        // Lifted comparison: with no last used step, `matched <= null` is false.
        return matched <= lastUsedStep ? null : matched;
    }

    /// <summary>The key URI format authenticator apps scan from a QR code.</summary>
    [SuppressMessage("Design", "CA1055:URI-like return values should not be strings", Justification = "The URI is rendered as text into a QR code.")]
    public static string OtpAuthUri(string issuer, string accountName, ReadOnlySpan<byte> secret)
    {
        string escapedIssuer = Uri.EscapeDataString(issuer);
        return $"otpauth://totp/{escapedIssuer}:{Uri.EscapeDataString(accountName)}"
            + $"?secret={ToBase32(secret)}&issuer={escapedIssuer}&algorithm=SHA1&digits={Digits}&period={StepSeconds}";
    }

    /// <summary>RFC 4648 base32 without padding, as authenticator apps expect the secret.</summary>
    public static string ToBase32(ReadOnlySpan<byte> data)
    {
        var text = new StringBuilder((data.Length * 8 + 4) / 5);
        int buffer = 0, bits = 0;
        foreach (byte b in data)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                bits -= 5;
                text.Append(Base32Alphabet[(buffer >> bits) & 31]);
            }
        }
        if (bits > 0)
        {
            text.Append(Base32Alphabet[(buffer << (5 - bits)) & 31]);
        }
        return text.ToString();
    }

    /// <summary>
    /// Lenient about what people type or paste (lower case, spaces between groups, trailing '='),
    /// strict about anything else.
    /// </summary>
    public static byte[] FromBase32(string text)
    {
        ArgumentNullException.ThrowIfNull(text);

        var bytes = new List<byte>(text.Length * 5 / 8);
        int buffer = 0, bits = 0, symbols = 0;
        bool padding = false;
        foreach (char c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                continue;
            }
            if (c == '=')
            {
                padding = true;
                continue;
            }
            int value = c switch
            {
                >= 'A' and <= 'Z' => c - 'A',
                >= 'a' and <= 'z' => c - 'a',
                >= '2' and <= '7' => c - '2' + 26,
                _ => throw new FormatException($"'{c}' is not a base32 character."),
            };
            if (padding)
            {
                throw new FormatException("Base32 padding may only come at the end.");
            }

            symbols++;
            buffer = (buffer << 5) | value;
            bits += 5;
            if (bits >= 8)
            {
                bits -= 8;
                bytes.Add((byte)(buffer >> bits));
            }
        }

        // 1, 3 or 6 symbols in the last group can't come from whole bytes: the text was cut short.
        if (symbols % 8 is 1 or 3 or 6)
        {
            throw new FormatException("Base32 text has an impossible length.");
        }
        return [.. bytes];
    }
}
