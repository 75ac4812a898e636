using System.Security.Cryptography;
using System.Text;

namespace Accounting.Webhooks.Dispatch;

/// <summary>
/// Secrets and signatures of the Standard Webhooks specification: the key is the base64 after
/// <c>whsec_</c>; <c>webhook-signature</c> is <c>v1,</c> + base64 HMAC-SHA256 of
/// <c>{id}.{timestamp}.{body}</c>. <c>X-Signature</c> is the hex HMAC of the body alone.
/// </summary>
public static class WebhookSignature
{
    public const string SecretPrefix = "whsec_";
    private const int SecretBytes = 24;

    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(SecretBytes));

    /// <summary>The Standard Webhooks signature (<c>v1,…</c>) of one message.</summary>
    public static string Sign(string secret, string messageId, long timestamp, string body) =>
        "v1," + Convert.ToBase64String(HMACSHA256.HashData(KeyOf(secret), Encoding.UTF8.GetBytes($"{messageId}.{timestamp}.{body}")));

    /// <summary>The <c>webhook-signature</c> header: the current secret's signature, then the previous secret's while it lasts.</summary>
    public static string Header(string secret, string? previousSecret, string messageId, long timestamp, string body) =>
        previousSecret is null
            ? Sign(secret, messageId, timestamp, body)
            : Sign(secret, messageId, timestamp, body) + " " + Sign(previousSecret, messageId, timestamp, body);

    /// <summary>The <c>X-Signature</c> header for receivers that check the body alone.</summary>
    public static string BodySignature(string secret, string body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(KeyOf(secret), Encoding.UTF8.GetBytes(body)));

    private static byte[] KeyOf(string secret) =>
        secret.StartsWith(SecretPrefix, StringComparison.Ordinal)
            ? Convert.FromBase64String(secret[SecretPrefix.Length..])
            : throw new ArgumentException("A webhook secret starts with whsec_.", nameof(secret));
}
