using System.Security.Cryptography;
using System.Text;

namespace Accounting.Webhooks.Tests;

/// <summary>What a receiver does with the headers, written from the Standard Webhooks specification rather than the service's code.</summary>
public static class Receivers
{
    public static IReadOnlyList<string> SignaturesOf(ReceivedWebhook webhook)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        return webhook.Signature.Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>True when one of the <c>v1,</c> signatures is the HMAC of <c>{id}.{timestamp}.{body}</c> under <paramref name="secret"/>.</summary>
    public static bool Verifies(ReceivedWebhook webhook, string secret)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var expected = Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{webhook.WebhookId}.{webhook.Timestamp}.{webhook.Body}")));
        return SignaturesOf(webhook).Any(signature => signature == "v1," + expected);
    }

    public static bool BodySignatureVerifies(ReceivedWebhook webhook, string secret)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        return webhook.BodySignature == "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(webhook.Body)));
    }
}
