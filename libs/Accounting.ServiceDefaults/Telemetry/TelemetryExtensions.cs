using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Accounting.ServiceDefaults.Telemetry;

internal static class TelemetryExtensions
{
    /// <summary>The platform's own spans (outbox relay, dispatchers) use sources under this prefix.</summary>
    public const string SourcePrefix = "Accounting.";

    // OpenTelemetry.Extensions.Hosting and the instrumentation packages are not restorable here;
    // ASP.NET Core, HttpClient, Npgsql and MassTransit all emit through these built-in sources.
    private static readonly string[] TraceSources = ["Microsoft.AspNetCore", "System.Net.Http", "Npgsql", "MassTransit", SourcePrefix + "*"];
    private static readonly string[] Meters =
    [
        "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Diagnostics",
        "Microsoft.AspNetCore.RateLimiting", "System.Net.Http", "System.Runtime", "Npgsql", "MassTransit", SourcePrefix + "*",
    ];

    /// <summary>Exports traces, metrics and logs over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.</summary>
    public static void AddTelemetry(this WebApplicationBuilder builder, string serviceName)
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            return;
        }

        var sdk = OpenTelemetrySdk.Create(otel => otel
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithTracing(tracing => tracing.AddSource(TraceSources).AddOtlpExporter())
            .WithMetrics(metrics => metrics.AddMeter(Meters).AddOtlpExporter()));

        // The container disposes the SDK on shutdown, which flushes what is still buffered.
        builder.Services.AddSingleton(sdk);
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.SetResourceBuilder(ResourceBuilder.CreateDefault().AddService(serviceName));
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
            logging.AddOtlpExporter();
        });
    }
}
