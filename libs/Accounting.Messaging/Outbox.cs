using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Accounting.Contracts;
using Accounting.ServiceDefaults.Http;
using Dapper;
using Npgsql;

namespace Accounting.Messaging;

/// <param name="AggregateId">
/// The entity the event is about. Events of one aggregate are published in the order they were
/// written, provided writers lock the aggregate's row, as every state change does.
/// </param>
public readonly record struct OutboxEntry(IntegrationEvent Event, string AggregateId);

/// <summary>
/// The only way an event leaves a service: written inside the caller's transaction, so it
/// exists if and only if the state change it describes was committed.
/// </summary>
public static class Outbox
{
    internal const string NotificationChannel = "outbox";

    // Rows per INSERT: few round trips for a batch of a statement import, while the payloads of one
    // statement (serialised just before it is sent) stay around a megabyte.
    private const int RowsPerStatement = 1000;

    // Read by reflection once per event type, not once per event.
    private static readonly ConcurrentDictionary<Type, EventContractAttribute> Contracts = new();

    /// <inheritdoc cref="OutboxEntry" path="/param[@name='AggregateId']"/>
    public static Task EnqueueAsync(NpgsqlTransaction transaction, IntegrationEvent @event, string aggregateId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(@event);
        return EnqueueManyAsync(transaction, [new OutboxEntry(@event, aggregateId)], cancellationToken);
    }

    /// <summary>
    /// Writes events in the order given (the relay publishes them in that order, per aggregate):
    /// a multi-row insert per thousand events, and one notification for the lot.
    /// </summary>
    public static async Task EnqueueManyAsync(NpgsqlTransaction transaction, IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(entries);
        var traceParent = Activity.Current?.Id;
        for (var offset = 0; offset < entries.Count; offset += RowsPerStatement)
        {
            var chunk = entries.Skip(offset).Take(RowsPerStatement).ToList();
            var last = offset + chunk.Count == entries.Count;
            var contracts = chunk.Select(e => Contracts.GetOrAdd(e.Event.GetType(), EventCatalog.ContractOf)).ToList();
            // Identity values follow the ORDER BY, so the outbox's order is the order given. NOTIFY is
            // delivered only on commit, so the relay wakes exactly when there is something to send.
            await transaction.Connection!.ExecuteAsync(new CommandDefinition(
                $"""
                INSERT INTO outbox_messages (event_id, event_type, event_version, organisation_id, aggregate_id, payload, trace_parent, occurred_at)
                SELECT m.event_id, m.event_type, m.event_version, m.organisation_id, m.aggregate_id, m.payload::jsonb, @TraceParent, m.occurred_at
                FROM unnest(@EventIds, @EventTypes, @EventVersions, @OrganisationIds, @AggregateIds, @Payloads, @OccurredAts) WITH ORDINALITY
                    AS m(event_id, event_type, event_version, organisation_id, aggregate_id, payload, occurred_at, position)
                ORDER BY m.position;
                {(last ? $"SELECT pg_notify('{NotificationChannel}', '');" : "")}
                """,
                new
                {
                    EventIds = chunk.Select(e => e.Event.EventId).ToArray(),
                    EventTypes = contracts.Select(c => c.Name).ToArray(),
                    EventVersions = contracts.Select(c => c.Version).ToArray(),
                    OrganisationIds = chunk.Select(e => e.Event.OrganisationId).ToArray(),
                    AggregateIds = chunk.Select(e => e.AggregateId).ToArray(),
                    Payloads = chunk.Select(e => JsonSerializer.Serialize(e.Event, e.Event.GetType(), JsonDefaults.Options)).ToArray(),
                    OccurredAts = chunk.Select(e => e.Event.OccurredAt).ToArray(),
                    TraceParent = traceParent,
                },
                transaction,
                cancellationToken: cancellationToken));
        }
    }
}
