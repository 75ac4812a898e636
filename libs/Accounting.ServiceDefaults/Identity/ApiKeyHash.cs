using System.Security.Cryptography;
using System.Text;

namespace Accounting.ServiceDefaults.Identity;

/// <summary>
/// How an API key is stored and looked up: SHA-256 of the whole key. A slow KDF is unnecessary
/// for 40 random base62 characters (238 bits), and a fast hash lets the gateway look keys up per request.
/// </summary>
public static class ApiKeyHash
{
    public static string Compute(string apiKey)
    {
        ArgumentNullException.ThrowIfNull(apiKey);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(apiKey)));
    }
}
