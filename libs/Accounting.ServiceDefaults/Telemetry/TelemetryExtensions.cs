using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Accounting.ServiceDefaults.Telemetry;

internal static class TelemetryExtensions
{
    /// <summary>The platform's own spans and meters (outbox relay, dispatchers, limiter) are named under this prefix.</summary>
    public const string SourcePrefix = "Accounting.";

    /// <summary>
    /// Exports traces, metrics and logs over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set
    /// (the exporter reads the other standard <c>OTEL_*</c> settings too). Libraries add their own
    /// instrumentation (Npgsql in <c>AddPostgres</c>, Redis in <c>AddRedis</c>, MassTransit in
    /// <c>AddMessaging</c>) with <c>ConfigureOpenTelemetryTracerProvider</c>, which does nothing
    /// while telemetry is off.
    /// </summary>
    public static void AddTelemetry(this WebApplicationBuilder builder, string serviceName)
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            return;
        }

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddSource(SourcePrefix + "*"))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(SourcePrefix + "*"))
            .WithLogging(configureBuilder: null, configureOptions: (OpenTelemetryLoggerOptions logging) =>
            {
                logging.IncludeFormattedMessage = true;
                logging.IncludeScopes = true;
            })
            .UseOtlpExporter();
    }
}
