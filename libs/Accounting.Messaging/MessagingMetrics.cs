using System.Diagnostics.Metrics;

namespace Accounting.Messaging;

/// <summary>
/// The meter <c>Accounting.Messaging</c>: what the relay could not publish, when it paused for the
/// broker, and what consumers redelivered or gave up on. Each of these wants an operator's eye.
/// </summary>
public sealed class MessagingMetrics
{
    public const string MeterName = "Accounting.Messaging";

    private readonly Counter<long> parked;
    private readonly Counter<long> relayBackoffs;
    private readonly Counter<long> redeliveries;
    private readonly Counter<long> deadLettered;

    public MessagingMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        parked = meter.CreateCounter<long>("outbox.parked", "{event}",
            "Outbox rows set aside after repeated failures to publish them; they wait for an operator to re-publish them.");
        relayBackoffs = meter.CreateCounter<long>("outbox.relay.backoffs", "{backoff}",
            "Times the relay paused because the broker failed (not because of one event).");
        redeliveries = meter.CreateCounter<long>("messaging.consumer.redeliveries", "{message}",
            "Messages put back on their queue after a delay because their consumer failed.");
        deadLettered = meter.CreateCounter<long>("messaging.consumer.dead_lettered", "{message}",
            "Messages moved to an _error queue after every retry and redelivery failed.");
    }

    public void RecordParked(string eventType) => parked.Add(1, new KeyValuePair<string, object?>("event_type", eventType));

    public void RecordRelayBackoff() => relayBackoffs.Add(1);

    public void RecordRedelivery(string queue) => redeliveries.Add(1, new KeyValuePair<string, object?>("queue", queue));

    public void RecordDeadLettered(string queue) => deadLettered.Add(1, new KeyValuePair<string, object?>("queue", queue));
}
