using System.Net;
using System.Text.Json;
using Accounting.Postgres.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit;

namespace Accounting.Testing;

/// <summary>
/// What every service guarantees by standing on the platform: migrations applied at start-up,
/// readiness reflecting its real dependencies, and the error envelope for unknown routes.
/// Each service's test project runs these against its own Program.
/// </summary>
public abstract class ServiceHostingTests<TProgram>(ServiceFactory<TProgram> factory)
    where TProgram : class
{
    protected ServiceFactory<TProgram> Factory { get; } = factory;

    [Fact]
    public async Task Ready_is_healthy_when_its_database_and_broker_are_reachable()
    {
        using var client = Factory.CreateClient();
        var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var checks = body.RootElement.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToList();
        Assert.Contains("postgres", checks);
        Assert.Contains("rabbitmq", checks);
    }

    [Fact]
    public async Task Live_answers_without_an_identity()
    {
        using var client = Factory.CreateClient();
        var response = await client.GetAsync(new Uri("/health/live", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Serves_its_OpenAPI_document_without_an_identity_for_the_gateway_to_combine()
    {
        using var client = Factory.CreateClient();
        var response = await client.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.StartsWith("3.", document.RootElement.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        Assert.True(document.RootElement.TryGetProperty("paths", out _));
    }

    [Fact]
    public async Task Start_up_applies_every_outbox_migration_to_the_service_database()
    {
        using var client = Factory.CreateClient();
        await client.GetAsync(new Uri("/health/live", UriKind.Relative));
        var outbox = Factory.Services.GetServices<MigrationSource>().Single(source => source.Module == "outbox");

        await using var connection = new NpgsqlConnection(Factory.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM schema_migrations WHERE module = 'outbox'", connection);
        Assert.NotEmpty(outbox.Migrations);
        Assert.Equal((long)outbox.Migrations.Count, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task An_unknown_route_is_a_404_in_the_error_envelope()
    {
        using var client = Factory.CreateClientFor(TestIdentity.Caller("org_hosting", "accounts:read"));
        var response = await client.GetAsync(new Uri("/api/v1/no-such-thing", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = body.RootElement.GetProperty("error");
        Assert.Equal("not_found", error.GetProperty("code").GetString());
        Assert.Equal(404, error.GetProperty("status").GetInt32());
        Assert.StartsWith("req_", error.GetProperty("request_id").GetString(), StringComparison.Ordinal);
        Assert.Equal(error.GetProperty("request_id").GetString(), response.Headers.GetValues("X-Request-Id").Single());
    }
}
