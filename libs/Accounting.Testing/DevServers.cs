using System.Diagnostics;

namespace Accounting.Testing;

/// <summary>
/// Stops and starts the shared local servers through the project's own <c>dev</c> script, for
/// the tests that prove behaviour during an outage. Such tests are tagged
/// <see cref="DisruptiveCategory"/> and run alone, after every other test.
/// </summary>
public static class DevServers
{
    public const string DisruptiveCategory = "Disruptive";

    public static Task StopAsync(string server) => RunAsync("stop", server);

    public static Task StartAsync(string server) => RunAsync("start", server);

    private static async Task RunAsync(string action, string server)
    {
        using var process = Process.Start(new ProcessStartInfo("bash", [TestEnvironment.DevScript, "servers", action, server])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = TestEnvironment.RepositoryRoot,
        })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(deadline.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"./dev servers {action} {server} failed ({process.ExitCode}): {await output}{await errors}");
        }
    }
}
