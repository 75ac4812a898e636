using Accounting.Contracts;
using Accounting.Messaging;
using Accounting.ServiceDefaults.Security;
using Microsoft.Extensions.Options;
using IPNetwork = System.Net.IPNetwork;

namespace Accounting.Webhooks.Dispatch;

public static class DispatchExtensions
{
    /// <summary>
    /// Messaging with a consumer for every domain event there is (new contracts flow without a
    /// change here), the worker that delivers what they record, and the job that deletes them after their retention.
    /// </summary>
    public static WebApplicationBuilder AddWebhookDispatch(this WebApplicationBuilder builder, string serviceName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var section = builder.Configuration.GetSection(WebhooksOptions.SectionName);
        var eventQueue = section.Get<WebhooksOptions>()?.EventQueue ?? new WebhooksOptions().EventQueue;
        builder.AddMessaging(serviceName, bus => bus.AddDomainEventConsumers(EventCatalog.TypesIn([typeof(IntegrationEvent).Assembly]), eventQueue));

        builder.Services.AddOptions<WebhooksOptions>().Bind(section)
            .Validate(options => options.LeaseDuration > options.DeliveryTimeout, "Webhooks:LeaseDuration must exceed Webhooks:DeliveryTimeout.")
            .Validate(options => options.DeliveryRetention > TimeSpan.Zero, "Webhooks:DeliveryRetention must be positive.")
            .Validate(
                options => options.AllowedPrivateNetworks.All(network => IPNetwork.TryParse(network, out _)),
                "Webhooks:AllowedPrivateNetworks must list networks in CIDR form, e.g. 127.0.0.0/8 or ::1/128.")
            .Validate(options => File.Exists(options.DataKeyPath), "Webhooks:DataKeyPath must name the file with the AES key that seals endpoint secrets at rest.")
            .ValidateOnStart();
        builder.Services.AddSingleton(services => new EndpointSecrets(
            SecretProtector.FromKeyFile(services.GetRequiredService<IOptions<WebhooksOptions>>().Value.DataKeyPath)));
        // Before the dispatcher starts, so it never meets an endpoint whose secret is not sealed.
        builder.Services.AddHostedService<LegacySecretSealing>();
        builder.Services.AddSingleton<TargetGuard>();
        builder.Services.AddSingleton<WebhookSender>();
        builder.Services.AddSingleton<DeliveryStore>();
        builder.Services.AddSingleton<WebhookMetrics>();
        builder.Services.AddHostedService<DeliveryWorker>();
        builder.Services.AddSingleton<DeliveryRetention>();
        builder.Services.AddHostedService(services => services.GetRequiredService<DeliveryRetention>());
        return builder;
    }
}
