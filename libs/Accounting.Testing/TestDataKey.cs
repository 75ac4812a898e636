using System.Security.Cryptography;

namespace Accounting.Testing;

/// <summary>A data key file for services that seal secrets at rest (<c>Auth:DataKeyPath</c>, <c>Webhooks:DataKeyPath</c>): one per test process.</summary>
public static class TestDataKey
{
    private static readonly Lazy<string> KeyFile = new(() =>
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"accounting-test-data-{Environment.ProcessId}.key");
        File.WriteAllText(path, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        return path;
    });

    public static string Path => KeyFile.Value;
}
