using System.Reflection;
using Accounting.Contracts;
using Accounting.Messaging;
using MassTransit;
using Npgsql;

namespace Accounting.Webhooks.Dispatch;

/// <summary>
/// Turns one domain event into a delivery per subscribed endpoint of the event's own
/// organisation, in the inbox's transaction: a redelivered event adds nothing.
/// </summary>
public sealed class DomainEventConsumer<TEvent>(NpgsqlDataSource dataSource, TimeProvider clock) : IdempotentConsumer<TEvent>(dataSource)
    where TEvent : IntegrationEvent
{
    private static readonly string EventName = EventCatalog.ContractOf(typeof(TEvent)).Name;

    protected override Task HandleAsync(TEvent message, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
        DeliveryStore.EnqueueForEventAsync(
            transaction, message.OrganisationId, EventName, WebhookPayload.EventIdOf(message), WebhookPayload.For(message), clock.GetUtcNow(), cancellationToken);
}

public static class DomainEventSubscriptions
{
    /// <summary>
    /// Subscribes to every event contract of <paramref name="eventTypes"/> on one queue: events
    /// added to the contracts later reach webhooks without a change here.
    /// </summary>
    public static IBusRegistrationConfigurator AddDomainEventConsumers(this IBusRegistrationConfigurator bus, IEnumerable<Type> eventTypes, string queue)
    {
        ArgumentNullException.ThrowIfNull(eventTypes);
        var subscribe = typeof(DomainEventSubscriptions).GetMethod(nameof(Subscribe), BindingFlags.NonPublic | BindingFlags.Static)!;
        foreach (var eventType in eventTypes)
        {
            subscribe.MakeGenericMethod(eventType).Invoke(null, [bus, queue]);
        }

        return bus;
    }

    private static void Subscribe<TEvent>(IBusRegistrationConfigurator bus, string queue)
        where TEvent : IntegrationEvent =>
        bus.AddConsumer<DomainEventConsumer<TEvent>>().Endpoint(endpoint => endpoint.Name = queue);
}
