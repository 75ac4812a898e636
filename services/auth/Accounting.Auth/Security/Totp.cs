using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using OtpNet;

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

    /// <summary>160 bits, the key length RFC 4226 recommends for HMAC-SHA1.</summary>
    public static byte[] GenerateSecret() => RandomNumberGenerator.GetBytes(SecretBytes);

    public static long TimeStep(DateTimeOffset at) => at.ToUnixTimeSeconds() / StepSeconds;

    // Authenticator apps only speak SHA-1 reliably; HMAC-SHA1 is not weakened by SHA-1 collisions.
    public static string Code(ReadOnlySpan<byte> secret, long timeStep, int digits = Digits)
    {
        // 8 digits is the most RFC 4226 truncation supports (31 bits); fewer than 6 is too guessable.
        ArgumentOutOfRangeException.ThrowIfLessThan(digits, 6);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(digits, 8);
        return new Hotp(secret.ToArray(), OtpHashMode.Sha1, digits).ComputeHOTP(timeStep);
    }

    /// <summary>
    /// Returns the time step the code belongs to, or null. One step either side of now is accepted
    /// for clock drift (RFC 6238's network-delay window). A step at or before
    /// <paramref name="lastUsedStep"/> is refused, so a code works once and an older code can't be
    /// slipped in after a newer one; the caller persists the returned step as the new last used step.
    /// </summary>
    public static long? Verify(ReadOnlySpan<byte> secret, string code, DateTimeOffset now, long? lastUsedStep)
    {
        if (code is not { Length: Digits } || code.AsSpan().ContainsAnyExceptInRange('0', '9'))
        {
            return null;
        }

        var totp = new OtpNet.Totp(secret.ToArray(), StepSeconds, OtpHashMode.Sha1, Digits);
        if (!totp.VerifyTotp(now.UtcDateTime, code, out long matched, VerificationWindow.RfcSpecifiedNetworkDelay))
        {
            return null;
        }

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

    /// <summary>RFC 4648 base32 without padding, as authenticator apps expect the secret in a key URI.</summary>
    public static string ToBase32(ReadOnlySpan<byte> data) => Base32Encoding.ToString(data.ToArray()).TrimEnd('=');
}
