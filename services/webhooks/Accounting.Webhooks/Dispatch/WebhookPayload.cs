using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Accounting.Contracts;
using Accounting.Messaging;
using Accounting.ServiceDefaults.Http;

namespace Accounting.Webhooks.Dispatch;

/// <summary>The body of contract §7: <c>{id, event, timestamp, organisation_id, data}</c>, written once and sent unchanged on every attempt.</summary>
public static class WebhookPayload
{
    public const string PingEvent = "ping";

    // The envelope already carries these; data holds only what the event itself says.
    private static readonly string[] EnvelopeFields = ["event_id", "occurred_at", "organisation_id"];

    /// <summary>The public id of a domain event: stable across redeliveries, so it serves as <c>webhook-id</c>.</summary>
    public static string EventIdOf(IntegrationEvent @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        return "evt_" + @event.EventId.ToString("N");
    }

    public static string For(IntegrationEvent @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        var data = JsonSerializer.SerializeToNode(@event, @event.GetType(), JsonDefaults.Options)!.AsObject();
        foreach (var field in EnvelopeFields)
        {
            data.Remove(field);
        }

        return Write(EventIdOf(@event), EventCatalog.ContractOf(@event.GetType()).Name, @event.OccurredAt, @event.OrganisationId, data);
    }

    public static string Ping(string eventId, string endpointId, DateTimeOffset at, string organisationId) =>
        Write(eventId, PingEvent, at, organisationId, new JsonObject { ["webhook_id"] = endpointId });

    private static string Write(string eventId, string eventName, DateTimeOffset occurredAt, string organisationId, JsonObject data) =>
        new JsonObject
        {
            ["id"] = eventId,
            ["event"] = eventName,
            ["timestamp"] = occurredAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["organisation_id"] = organisationId,
            ["data"] = data,
        }.ToJsonString(JsonDefaults.Options);
}
