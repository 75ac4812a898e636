using System.Diagnostics;

namespace Accounting.Testing;

/// <summary>
/// Standard third-party tools the tests check the API description with. `./dev test` installs them
/// (pinned, under .state/tools) and puts them on PATH; a missing tool fails the test, it never skips it.
/// </summary>
public static class ApiDescriptionTools
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    /// <summary>`redocly lint` with its recommended rules: exit code 0 means no errors (warnings allowed).</summary>
    public static Task<(int ExitCode, string Output)> LintAsync(string documentPath) =>
        RunAsync("redocly", "@redocly/cli (npm; ./dev test installs it)", "lint", "--format=stylish", documentPath);

    private static async Task<(int ExitCode, string Output)> RunAsync(string tool, string origin, params string[] arguments)
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

        using var process = Process.Start(startInfo)!;
        using var cancellation = new CancellationTokenSource(Timeout);
        var output = process.StandardOutput.ReadToEndAsync(cancellation.Token);
        var error = process.StandardError.ReadToEndAsync(cancellation.Token);
        await process.WaitForExitAsync(cancellation.Token);
        return (process.ExitCode, await output + await error);
    }
}
