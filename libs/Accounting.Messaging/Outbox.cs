using System.Diagnostics;
using System.Text.Json;
using Accounting.Contracts;
using Accounting.ServiceDefaults.Http;
using Dapper;
using Npgsql;

namespace Accounting.Messaging;

/// <summary>
/// The only way an event leaves a service: written inside the caller's transaction, so it
/// exists if and only if the state change it describes was committed.
/// </summary>
public static class Outbox
{
    internal const string NotificationChannel = "outbox";

    /// <param name="aggregateId">
    /// The entity the event is about. Events of one aggregate are published in the order they were
    /// written, provided writers lock the aggregate's row, as every state change does.
    /// </param>
    public static async Task EnqueueAsync(NpgsqlTransaction transaction, IntegrationEvent @event, string aggregateId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(@event);
        var contract = EventCatalog.ContractOf(@event.GetType());
        // NOTIFY is delivered only on commit, so the relay wakes exactly when there is something to send.
        await transaction.Connection!.ExecuteAsync(new CommandDefinition(
            $"""
            INSERT INTO outbox_messages (event_id, event_type, event_version, organisation_id, aggregate_id, payload, trace_parent, occurred_at)
            VALUES (@EventId, @EventType, @EventVersion, @OrganisationId, @AggregateId, @Payload::jsonb, @TraceParent, @OccurredAt);
            SELECT pg_notify('{NotificationChannel}', '');
            """,
            new
            {
                @event.EventId,
                EventType = contract.Name,
                EventVersion = contract.Version,
                @event.OrganisationId,
                AggregateId = aggregateId,
                Payload = JsonSerializer.Serialize(@event, @event.GetType(), JsonDefaults.Options),
                TraceParent = Activity.Current?.Id,
                @event.OccurredAt,
            },
            transaction,
            cancellationToken: cancellationToken));
    }
}
