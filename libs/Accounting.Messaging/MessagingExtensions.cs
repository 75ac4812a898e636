using System.Reflection;
using Accounting.Contracts;
using Accounting.Postgres;
using Accounting.Postgres.Migrations;
using Accounting.ServiceDefaults.Health;
using MassTransit;
using MassTransit.Logging;
using MassTransit.Middleware;
using MassTransit.Monitoring;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Accounting.Messaging;

public static class MessagingExtensions
{
    public const string ConnectionStringName = "RabbitMq";

    /// <summary>
    /// RabbitMQ through MassTransit, the outbox relay and the outbox/inbox tables. Requires
    /// <c>AddPostgres</c>: events are stored in the service's own database first.
    /// </summary>
    /// <param name="configureConsumers">Registers the service's consumers (<c>x.AddConsumer&lt;…&gt;()</c>).</param>
    /// <param name="eventAssemblies">Assemblies with event contracts besides <see cref="Accounting.Contracts"/>.</param>
    public static WebApplicationBuilder AddMessaging(
        this WebApplicationBuilder builder,
        string serviceName,
        Action<IBusRegistrationConfigurator>? configureConsumers = null,
        params Assembly[] eventAssemblies)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var broker = new Uri(builder.Configuration.GetConnectionString(ConnectionStringName)
            ?? throw new InvalidOperationException($"ConnectionStrings:{ConnectionStringName} is not configured."));

        builder.Services.AddMigrations(MigrationSource.FromEmbeddedResources("outbox", typeof(Outbox).Assembly));
        builder.Services.AddOptions<OutboxOptions>().Bind(builder.Configuration.GetSection(OutboxOptions.SectionName));
        var retry = builder.Configuration.GetSection(ConsumerRetryOptions.SectionName).Get<ConsumerRetryOptions>() ?? new ConsumerRetryOptions();
        builder.Services.AddSingleton<MessagingMetrics>();
        builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddSource(DiagnosticHeaders.DefaultListenerName));
        builder.Services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddMeter(InstrumentationOptions.MeterName));
        builder.Services.AddSingleton(new EventCatalog([typeof(IntegrationEvent).Assembly, .. eventAssemblies]));
        builder.Services.AddHostedService<OutboxRelay>();

        builder.Services.AddMassTransit(bus =>
        {
            configureConsumers?.Invoke(bus);
            bus.AddConfigureEndpointsCallback((context, queue, endpoint) => endpoint.ConfigureError(error =>
            {
                // MassTransit's default error pipe, then the count and the log of what it moved.
                error.UseFilter(new GenerateFaultFilter());
                error.UseFilter(new ErrorTransportFilter());
                error.UseFilter(new ErrorQueueFilter(queue, context.GetRequiredService<MessagingMetrics>(), context.GetRequiredService<ILogger<ErrorQueueFilter>>()));
            }));
            // The outbox keeps writes working while the broker is down, so losing it degrades the
            // service instead of taking it out of rotation.
            bus.ConfigureHealthCheckOptions(health =>
            {
                health.Name = "rabbitmq";
                health.MinimalFailureStatus = HealthStatus.Degraded;
                health.Tags.Add(Readiness.Tag);
            });
            bus.UsingRabbitMq((context, rabbit) =>
            {
                rabbit.Host(broker.Host, (ushort)(broker.IsDefaultPort ? 5672 : broker.Port), VirtualHost(broker), host =>
                {
                    var credentials = Uri.UnescapeDataString(broker.UserInfo).Split(':', 2);
                    host.Username(credentials[0]);
                    host.Password(credentials.ElementAtOrDefault(1) ?? "");
                    host.PublisherConfirmation = true;
                    host.Heartbeat(TimeSpan.FromSeconds(10));
                });
                rabbit.MessageTopology.SetEntityNameFormatter(new EventEntityNameFormatter(rabbit.MessageTopology.EntityNameFormatter));
                // Redelivery wraps the in-memory retries: each redelivery starts them afresh.
                rabbit.UseDelayQueueRedelivery(
                    context.GetRequiredService<MessagingMetrics>(),
                    context.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DelayQueueRedelivery)),
                    redelivery => redelivery.Intervals(retry.EffectiveRedeliveryIntervals));
                rabbit.UseMessageRetry(inMemory => inMemory.Intervals(retry.EffectiveRetryIntervals));
                rabbit.ConfigureEndpoints(context, new KebabCaseEndpointNameFormatter(serviceName, includeNamespace: false));
            });
        });
        return builder;
    }

    private static string VirtualHost(Uri broker) =>
        broker.AbsolutePath is "" or "/" ? "/" : Uri.UnescapeDataString(broker.AbsolutePath.TrimStart('/'));
}
