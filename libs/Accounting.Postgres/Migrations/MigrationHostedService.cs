using Microsoft.Extensions.Hosting;

namespace Accounting.Postgres.Migrations;

/// <summary>
/// Runs at start-up, before the server listens: a service never answers with a schema older
/// than its code, and a refused migration stops it from starting at all.
/// </summary>
internal sealed class MigrationHostedService(MigrationRunner runner, IEnumerable<MigrationSource> sources) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => runner.ApplyAsync(sources, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
