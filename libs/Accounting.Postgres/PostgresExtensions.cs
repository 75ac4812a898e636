using System.Reflection;
using Accounting.Postgres.Idempotency;
using Accounting.Postgres.Migrations;
using Accounting.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Accounting.Postgres;

public static class PostgresExtensions
{
    public const string ConnectionStringName = "Postgres";

    /// <summary>
    /// The service's own database: one pooled data source, a readiness check, and its migrations
    /// (embedded <c>Migrations/NNNN_name.sql</c> files of <paramref name="migrationsAssembly"/>) applied at start-up.
    /// </summary>
    public static WebApplicationBuilder AddPostgres(this WebApplicationBuilder builder, string module, Assembly migrationsAssembly)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var connectionString = builder.Configuration.GetConnectionString(ConnectionStringName)
            ?? throw new InvalidOperationException($"ConnectionStrings:{ConnectionStringName} is not configured.");

        DapperConventions.Apply();
        builder.Services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connectionString) { Name = module }.Build());
        builder.Services.AddSingleton<MigrationRunner>();
        builder.Services.AddMigrations(MigrationSource.FromEmbeddedResources(module, migrationsAssembly));
        // Idempotency-Key support is inert until the app calls UseIdempotency, so every service can adopt it in one line.
        builder.Services.AddMigrations(MigrationSource.FromEmbeddedResources("idempotency", typeof(WriteTransactions).Assembly));
        builder.Services.AddScoped<WriteTransactions>();
        builder.Services.AddHostedService<IdempotencyKeyCleanup>();
        // Registered first, so migrations finish before any other hosted service touches the schema.
        builder.Services.Insert(0, ServiceDescriptor.Singleton<IHostedService, MigrationHostedService>());
        builder.Services.AddReadinessCheck<PostgresHealthCheck>("postgres");
        return builder;
    }

    /// <summary>Adds a module's migrations (a shared library's tables) to those applied at start-up.</summary>
    public static IServiceCollection AddMigrations(this IServiceCollection services, MigrationSource source) =>
        services.AddSingleton(source);
}
