using Npgsql;

namespace Accounting.Testing;

/// <summary>A fresh database on the real PostgreSQL server for one test class, dropped afterwards.</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private TestDatabase(string name, string connectionString)
    {
        Name = name;
        ConnectionString = connectionString;
    }

    public string Name { get; }

    public string ConnectionString { get; }

    // Unpooled: a pooled admin connection would not survive the tests that restart PostgreSQL.
    private static readonly string AdminConnectionString =
        new NpgsqlConnectionStringBuilder(TestEnvironment.PostgresAdmin) { Pooling = false }.ConnectionString;

    public static async Task<TestDatabase> CreateAsync()
    {
        var name = "test_" + Guid.NewGuid().ToString("N");
        await using (var admin = new NpgsqlConnection(AdminConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin);
            await create.ExecuteNonQueryAsync();
        }

        var connectionString = new NpgsqlConnectionStringBuilder(TestEnvironment.PostgresAdmin) { Database = name }.ConnectionString;
        return new TestDatabase(name, connectionString);
    }

    public NpgsqlDataSource CreateDataSource() => NpgsqlDataSource.Create(ConnectionString);

    public async ValueTask DisposeAsync()
    {
        await using var admin = new NpgsqlConnection(AdminConnectionString);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }
}
