using System.Collections.Concurrent;
using System.Text;
using Accounting.Postgres;
using Accounting.ServiceDefaults;
using Accounting.Testing;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Accounting.Platform.Tests;

/// <summary>
/// An app exporting its telemetry over OTLP/HTTP to a collector standing in on loopback, which
/// keeps every export it receives.
/// </summary>
public sealed partial class TelemetryApp : IAsyncLifetime
{
    public const string ServiceName = "telemetry-test";

    private TestDatabase database = null!;
    private WebApplication collector = null!;
    private WebApplication app = null!;

    /// <summary>Each export as (signal path, raw protobuf body).</summary>
    public ConcurrentQueue<(string Path, byte[] Body)> Exports { get; } = new();

    public HttpClient CreateClient() => new() { BaseAddress = new Uri(app.Urls.First()) };

    public async Task InitializeAsync()
    {
        database = await TestDatabase.CreateAsync();
        var collectorBuilder = LoopbackServer.CreateBuilder();
        collector = collectorBuilder.Build();
        collector.MapPost("/v1/{signal}", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            Exports.Enqueue((request.Path, body.ToArray()));
            return TypedResults.Ok();
        });
        await collector.StartAsync();

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] = LoopbackServer.AddressOf(collector).ToString().TrimEnd('/');
        builder.Configuration["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
        // Export within moments rather than the default 5 s (spans, logs) and 60 s (metrics).
        builder.Configuration["OTEL_BSP_SCHEDULE_DELAY"] = "100";
        builder.Configuration["OTEL_BLRP_SCHEDULE_DELAY"] = "100";
        builder.Configuration["OTEL_METRIC_EXPORT_INTERVAL"] = "200";
        builder.Configuration["ConnectionStrings:Postgres"] = database.ConnectionString;
        builder.AddServiceDefaults(ServiceName);
        builder.AddPostgres(ServiceName, typeof(TelemetryApp).Assembly);

        app = builder.Build();
        app.MapGet("/probe/{marker}", async (string marker, NpgsqlDataSource db, ILogger<TelemetryApp> logger) =>
        {
            await using var connection = await db.OpenConnectionAsync();
            var echoed = await connection.ExecuteScalarAsync<string>("SELECT @marker::text AS telemetry_probe", new { marker });
            LogProbe(logger, echoed!);
            return TypedResults.Ok(echoed);
        });
        await app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await app.DisposeAsync();
        await collector.DisposeAsync();
        await database.DisposeAsync();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Telemetry probe {Marker}")]
    private static partial void LogProbe(ILogger logger, string marker);
}

public sealed class TelemetryTests(TelemetryApp app) : IClassFixture<TelemetryApp>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_request_is_exported_as_spans_of_the_server_and_its_database_query_with_metrics_and_logs()
    {
        var marker = $"probe-{Guid.NewGuid():N}";
        using var client = app.CreateClient();

        (await client.GetAsync($"/probe/{marker}")).EnsureSuccessStatusCode();

        // Each span, metric and log record may travel in a batch of its own; every batch names the service.
        (await Eventually.HoldsAsync(() => Exported("/v1/traces", TelemetryApp.ServiceName, "/probe/{marker}"), Deadline)).ShouldBeTrue();
        (await Eventually.HoldsAsync(() => Exported("/v1/traces", TelemetryApp.ServiceName, "telemetry_probe"), Deadline)).ShouldBeTrue();
        (await Eventually.HoldsAsync(() => Exported("/v1/metrics", TelemetryApp.ServiceName, "http.server.request.duration"), Deadline)).ShouldBeTrue();
        (await Eventually.HoldsAsync(() => Exported("/v1/metrics", TelemetryApp.ServiceName, "Npgsql"), Deadline)).ShouldBeTrue();
        (await Eventually.HoldsAsync(() => Exported("/v1/logs", TelemetryApp.ServiceName, marker), Deadline)).ShouldBeTrue();
    }

    /// <summary>Whether one batch of the signal holds every text (protobuf keeps strings as UTF-8).</summary>
    private bool Exported(string path, params string[] texts) =>
        app.Exports.Any(export => export.Path == path && texts.All(text => Contains(export.Body, text)));

    private static bool Contains(byte[] body, string text) => body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;
}
