using Accounting.Postgres.Migrations;

namespace Accounting.Reports.ReadModel;

/// <summary>
/// The operator's command, <c>dotnet Accounting.Reports.dll rebuild --organisation org_…</c>, run with
/// the service's own configuration: it rebuilds everything the read model derives from the journal
/// (balances, lines, accounts) by replaying the ledger's feed. The trade copies (contacts, invoices,
/// bills, payments, voids) and the organisation's settings are kept: they come from events the feed
/// does not carry, and each is an idempotent copy of its event rather than something computed.
/// </summary>
public static class RebuildCommand
{
    public const string Name = "rebuild";

    public static bool IsInvoked(string[] args) => args is [Name, ..];

    /// <summary>Returns the process's exit code: 0 when rebuilt, 2 for a malformed command line.</summary>
    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(output);
        if (args is not [Name, "--organisation", var organisationId] || !organisationId.StartsWith("org_", StringComparison.Ordinal))
        {
            await output.WriteLineAsync("Usage: dotnet Accounting.Reports.dll rebuild --organisation org_…");
            return 2;
        }

        await services.GetRequiredService<MigrationRunner>().ApplyAsync(services.GetServices<MigrationSource>(), cancellationToken);
        var position = await services.GetRequiredService<Replay>().RebuildAsync(organisationId, cancellationToken);
        await output.WriteLineAsync($"Rebuilt {organisationId} up to sequence {position}.");
        return 0;
    }
}
