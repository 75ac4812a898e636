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

    [Fact]
    public async Task Its_OpenAPI_document_names_tags_and_secures_every_operation_and_describes_nothing_internal()
    {
        using var document = await OpenApiDocumentAsync();
        var root = document.RootElement;
        var operations = root.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(operation => (Path: path.Name, Method: operation.Name, Operation: operation.Value)))
            .ToList();

        Assert.DoesNotContain(operations, o => o.Path.StartsWith("/internal", StringComparison.Ordinal) || o.Path.StartsWith("/health", StringComparison.Ordinal));
        var ids = operations.Select(o => o.Operation.TryGetProperty("operationId", out var id) ? id.GetString() : null).ToList();
        Assert.All(ids, id => Assert.Matches("^[a-z][A-Za-z0-9]+$", id ?? ""));
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        foreach (var (path, method, operation) in operations)
        {
            Assert.True(operation.TryGetProperty("tags", out var tags) && tags.GetArrayLength() == 1, $"{method} {path} has no tag");
            Assert.True(operation.TryGetProperty("security", out _), $"{method} {path} declares no security requirement");
            var errors = operation.GetProperty("responses").EnumerateObject().Where(r => r.Name[0] is '4' or '5').ToList();
            Assert.True(errors.Count > 0, $"{method} {path} declares no error response");
            Assert.All(errors, r => Assert.Contains("#/components/schemas/Error", r.Value.GetRawText(), StringComparison.Ordinal));
        }

        // Money: a generated client must get decimal, never a binary float.
        var money = MoneyProperties(root).ToList();
        Assert.All(money, property => Assert.True(
            property.Schema.TryGetProperty("format", out var format) && format.GetString() == "decimal",
            $"{property.Name} is money but its schema says {property.Schema.GetRawText()}"));
    }

    private static readonly string[] MoneyNameEndings = ["amount", "total", "balance", "price", "debit", "credit", "amount_due", "amount_paid"];

    private static IEnumerable<(string Name, JsonElement Schema)> MoneyProperties(JsonElement root)
    {
        if (!root.TryGetProperty("components", out var components) || !components.TryGetProperty("schemas", out var schemas))
        {
            yield break;
        }

        foreach (var schema in schemas.EnumerateObject())
        {
            if (!schema.Value.TryGetProperty("properties", out var properties))
            {
                continue;
            }

            foreach (var property in properties.EnumerateObject().Where(p => MoneyNameEndings.Any(ending => p.Name.EndsWith(ending, StringComparison.Ordinal))))
            {
                if (property.Value.GetRawText().Contains("number", StringComparison.Ordinal))
                {
                    yield return ($"{schema.Name}.{property.Name}", property.Value);
                }
            }
        }
    }

    [Fact]
    public async Task Its_OpenAPI_document_passes_the_redocly_linter_with_the_recommended_rules()
    {
        using var document = await OpenApiDocumentAsync();
        var file = Path.Combine(Path.GetTempPath(), $"openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, document.RootElement.GetRawText());
        try
        {
            var (exitCode, output) = await ApiDescriptionTools.LintAsync(file);
            Assert.True(exitCode == 0, $"redocly lint found errors:\n{output}");
        }
        finally
        {
            File.Delete(file);
        }
    }

    private async Task<JsonDocument> OpenApiDocumentAsync()
    {
        using var client = Factory.CreateClient();
        var response = await client.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }
}
