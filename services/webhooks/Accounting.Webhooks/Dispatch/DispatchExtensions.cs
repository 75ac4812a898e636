using Accounting.Contracts;
using Accounting.Messaging;

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
            .ValidateOnStart();
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
