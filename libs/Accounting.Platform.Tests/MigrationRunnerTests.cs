using Accounting.Postgres.Migrations;
using Accounting.Testing;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Accounting.Platform.Tests;

public sealed class MigrationRunnerTests : IAsyncLifetime
{
    private static readonly Migration CreateWidgets = new(1, "create_widgets", "CREATE TABLE widgets (id text PRIMARY KEY);");
    private static readonly Migration AddName = new(2, "add_name", "ALTER TABLE widgets ADD COLUMN name text NOT NULL DEFAULT '';");

    private TestDatabase database = null!;
    private NpgsqlDataSource dataSource = null!;

    public async Task InitializeAsync()
    {
        database = await TestDatabase.CreateAsync();
        dataSource = database.CreateDataSource();
    }

    public async Task DisposeAsync()
    {
        await dataSource.DisposeAsync();
        await database.DisposeAsync();
    }

    [Fact]
    public async Task A_fresh_database_gets_every_migration_in_order()
    {
        var applied = await Runner(dataSource).ApplyAsync([Source(AddName, CreateWidgets)], default);

        applied.ShouldBe(2);
        (await History()).ShouldBe(["widgets/1/create_widgets", "widgets/2/add_name"]);
        await using var connection = await dataSource.OpenConnectionAsync();
        (await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM information_schema.columns WHERE table_name = 'widgets' AND column_name = 'name'")).ShouldBe(1);
    }

    [Fact]
    public async Task Running_again_applies_nothing()
    {
        await Runner(dataSource).ApplyAsync([Source(CreateWidgets, AddName)], default);

        var applied = await Runner(dataSource).ApplyAsync([Source(CreateWidgets, AddName)], default);

        applied.ShouldBe(0);
        (await History()).Count.ShouldBe(2);
    }

    [Fact]
    public async Task Two_runners_starting_together_apply_each_migration_once()
    {
        await using var otherReplica = database.CreateDataSource();

        var results = await Task.WhenAll(
            Runner(dataSource).ApplyAsync([Source(CreateWidgets, AddName)], default),
            Runner(otherReplica).ApplyAsync([Source(CreateWidgets, AddName)], default));

        results.Sum().ShouldBe(2);
        (await History()).Count.ShouldBe(2);
    }

    [Fact]
    public async Task An_applied_migration_that_was_edited_is_refused()
    {
        await Runner(dataSource).ApplyAsync([Source(CreateWidgets)], default);
        var edited = CreateWidgets with { Sql = "CREATE TABLE widgets (id text PRIMARY KEY, colour text);" };

        var refusal = await Should.ThrowAsync<MigrationChecksumMismatchException>(
            () => Runner(dataSource).ApplyAsync([Source(edited, AddName)], default));

        refusal.Message.ShouldContain("widgets/0001_create_widgets");
        (await History()).Count.ShouldBe(1);
    }

    [Fact]
    public async Task A_failing_migration_leaves_nothing_of_itself_behind()
    {
        var broken = new Migration(2, "broken", "ALTER TABLE widgets ADD COLUMN name text; SELECT 1/0;");

        await Should.ThrowAsync<PostgresException>(() => Runner(dataSource).ApplyAsync([Source(CreateWidgets, broken)], default));

        (await History()).ShouldBe(["widgets/1/create_widgets"]);
        await using var connection = await dataSource.OpenConnectionAsync();
        (await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM information_schema.columns WHERE table_name = 'widgets' AND column_name = 'name'")).ShouldBe(0);
    }

    [Fact]
    public async Task Modules_keep_separate_version_sequences()
    {
        var outbox = new MigrationSource("outbox", [new Migration(1, "create_outbox", "CREATE TABLE outbox_demo (id int);")]);

        var applied = await Runner(dataSource).ApplyAsync([Source(CreateWidgets), outbox], default);

        applied.ShouldBe(2);
        (await History()).ShouldBe(["outbox/1/create_outbox", "widgets/1/create_widgets"]);
    }

    private static MigrationSource Source(params Migration[] migrations) => new("widgets", migrations);

    private static MigrationRunner Runner(NpgsqlDataSource source) => new(source, NullLogger<MigrationRunner>.Instance);

    private async Task<List<string>> History()
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<string>("SELECT module || '/' || version || '/' || name FROM schema_migrations ORDER BY module, version")).AsList();
    }
}
