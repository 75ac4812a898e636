using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Accounting.Postgres.Migrations;

public sealed class MigrationChecksumMismatchException(string message) : Exception(message);

// Why not DbUp (dbup-core 6.1.1 + dbup-postgresql 7.0.1, served by the feed and compatible with
// Npgsql 10.0.3): it would replace the code below that reads the history and runs each script
// in a transaction, but it journals only script names, so it neither refuses a script edited after
// it was applied nor serialises replicas starting together. Both guarantees would have to be
// rebuilt around it (a checksum column in a custom journal, the advisory lock taken before
// `PerformUpgrade`), and per-module histories in one table would need a custom `IJournal` as well:
// more code than it removes, with the same SQL files. Revisit if it gains checksums and locking.
/// <summary>
/// Applies each module's migrations once, in order, each in its own transaction. Replicas that
/// start together serialise on an advisory lock, so only one applies and the rest find nothing
/// left to do. A migration edited after it was applied stops the service from starting: the
/// database would otherwise silently differ from what the code says it is.
/// </summary>
public sealed partial class MigrationRunner(NpgsqlDataSource dataSource, ILogger<MigrationRunner> logger)
{
    // Any fixed number shared by every replica of a service; each service has its own database.
    private const long AdvisoryLockKey = 0x4D_49_47_52_41_54_45; // "MIGRATE"

    public async Task<int> ApplyAsync(IEnumerable<MigrationSource> sources, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sources);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_lock(@AdvisoryLockKey)", new { AdvisoryLockKey }, cancellationToken: cancellationToken));
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    module     text        NOT NULL,
                    version    integer     NOT NULL,
                    name       text        NOT NULL,
                    checksum   text        NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (module, version)
                )
                """, cancellationToken: cancellationToken));

            var applied = 0;
            foreach (var source in sources)
            {
                applied += await ApplyModuleAsync(connection, source, cancellationToken);
            }

            return applied;
        }
        finally
        {
            await connection.ExecuteAsync("SELECT pg_advisory_unlock(@AdvisoryLockKey)", new { AdvisoryLockKey });
        }
    }

    private async Task<int> ApplyModuleAsync(NpgsqlConnection connection, MigrationSource source, CancellationToken cancellationToken)
    {
        var history = (await connection.QueryAsync<(int Version, string Name, string Checksum)>(new CommandDefinition(
            "SELECT version, name, checksum FROM schema_migrations WHERE module = @Module",
            new { source.Module }, cancellationToken: cancellationToken))).ToDictionary(h => h.Version);

        var applied = 0;
        foreach (var migration in source.Migrations)
        {
            if (history.TryGetValue(migration.Version, out var record))
            {
                if (record.Checksum != migration.Checksum)
                {
                    throw new MigrationChecksumMismatchException(
                        $"Migration {source.Module}/{migration.Version:D4}_{record.Name} was edited after it was applied. " +
                        "Applied migrations are immutable: restore the file and add a new migration for the change.");
                }

                continue;
            }

            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await connection.ExecuteAsync(new CommandDefinition(migration.Sql, transaction: transaction, cancellationToken: cancellationToken));
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO schema_migrations (module, version, name, checksum) VALUES (@Module, @Version, @Name, @Checksum)",
                new { source.Module, migration.Version, migration.Name, migration.Checksum }, transaction, cancellationToken: cancellationToken));
            await transaction.CommitAsync(cancellationToken);
            LogApplied(logger, source.Module, migration.Version, migration.Name);
            applied++;
        }

        return applied;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied migration {Module}/{Version:D4}_{Name}")]
    private static partial void LogApplied(ILogger logger, string module, int version, string name);
}
