using Accounting.Contracts;
using Accounting.Messaging;

namespace Accounting.Webhooks.Dispatch;

public static class DispatchExtensions
{
    /// <summary>
    /// Messaging with a consumer for every domain event there is (new contracts flow without a
    /// change here), and the worker that delivers what they record.
    /// </summary>
    public static WebApplicationBuilder AddWebhookDispatch(this WebApplicationBuilder builder, string serviceName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var section = builder.Configuration.GetSection(WebhooksOptions.SectionName);
        var eventQueue = section.Get<WebhooksOptions>()?.EventQueue ?? new WebhooksOptions().EventQueue;
        builder.AddMessaging(serviceName, bus => bus.AddDomainEventConsumers(EventCatalog.TypesIn([typeof(IntegrationEvent).Assembly]), eventQueue));

        builder.Services.AddOptions<WebhooksOptions>().Bind(section)
            .Validate(options => options.LeaseDuration > options.DeliveryTimeout, "Webhooks:LeaseDuration must exceed Webhooks:DeliveryTimeout.")
            .ValidateOnStart();
        builder.Services.AddSingleton<TargetGuard>();
        builder.Services.AddSingleton<WebhookSender>();
        builder.Services.AddSingleton<DeliveryStore>();
        builder.Services.AddSingleton<WebhookMetrics>();
        builder.Services.AddHostedService<DeliveryWorker>();
        return builder;
    }
}
