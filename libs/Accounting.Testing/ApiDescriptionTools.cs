using System.Diagnostics;

namespace Accounting.Testing;

/// <summary>
/// Standard third-party tools the tests check the API description with. `./dev test` installs them
/// (pinned, under .state/tools) and puts them on PATH; a missing tool fails the test, it never skips it.
/// </summary>
public static class ApiDescriptionTools
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    /// <summary>`redocly lint` with its recommended rules: exit code 0 means no errors (warnings allowed).</summary>
    public static Task<(int ExitCode, string Output)> LintAsync(string documentPath) =>
        RunAsync("redocly", "@redocly/cli (npm; ./dev test installs it)", new Dictionary<string, string>(), "lint", "--format=stylish", documentPath);

    /// <summary>
    /// `kiota generate` of a C# client (<paramref name="clientName"/> in <paramref name="clientNamespace"/>)
    /// into <paramref name="outputDirectory"/>, offline: no update check, no telemetry.
    /// </summary>
    public static Task<(int ExitCode, string Output)> GenerateCSharpClientAsync(
        string documentPath, string outputDirectory, string clientName, string clientNamespace) =>
        RunAsync(
            "kiota",
            "Microsoft.OpenApi.Kiota (dotnet tool; ./dev test installs it)",
            new Dictionary<string, string>
            {
                ["KIOTA_OFFLINE_ENABLED"] = "true",
                ["KIOTA_TUTORIAL_ENABLED"] = "false",
                ["KIOTA_CLI_TELEMETRY_OPTOUT"] = "true",
                ["KIOTA_CONSOLE_COLORS_ENABLED"] = "false",
            },
            "generate", "--language", "CSharp", "--openapi", documentPath, "--output", outputDirectory,
            "--class-name", clientName, "--namespace-name", clientNamespace, "--exclude-backward-compatible", "--clean-output",
            "--log-level", "Warning");

    private static async Task<(int ExitCode, string Output)> RunAsync(
        string tool, string origin, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var executable = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, tool))
            .FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException($"`{tool}` is not on PATH: install {origin}.");
        var startInfo = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            startInfo.Environment[name] = value;
        }

        using var process = Process.Start(startInfo)!;
        using var cancellation = new CancellationTokenSource(Timeout);
        var output = process.StandardOutput.ReadToEndAsync(cancellation.Token);
        var error = process.StandardError.ReadToEndAsync(cancellation.Token);
        await process.WaitForExitAsync(cancellation.Token);
        return (process.ExitCode, await output + await error);
    }
}
