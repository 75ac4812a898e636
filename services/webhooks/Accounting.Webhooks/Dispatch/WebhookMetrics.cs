using System.Diagnostics.Metrics;

namespace Accounting.Webhooks.Dispatch;

/// <summary>
/// The meter <c>Accounting.Webhooks</c>: attempts by outcome, attempt duration, and the backlog
/// (pending deliveries, age of the oldest due one) as the dispatcher last measured it.
/// </summary>
public sealed class WebhookMetrics
{
    public const string MeterName = "Accounting.Webhooks";

    private readonly Counter<long> deliveries;
    private readonly Histogram<double> attemptDuration;
    private long pending;
    private double oldestDueAgeSeconds;

    public WebhookMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        deliveries = meter.CreateCounter<long>("webhooks.deliveries", "{attempt}",
            "Delivery attempts by outcome: succeeded, retrying (failed, another attempt scheduled) or failed (given up).");
        attemptDuration = meter.CreateHistogram<double>("webhooks.attempt.duration", "s", "Time from sending an attempt to its outcome.");
        meter.CreateObservableGauge("webhooks.pending", () => Volatile.Read(ref pending), "{delivery}", "Deliveries not yet succeeded or given up.");
        meter.CreateObservableGauge("webhooks.oldest_pending.age", () => Volatile.Read(ref oldestDueAgeSeconds), "s",
            "How long the oldest due delivery has waited for its attempt.");
    }

    public void RecordAttempt(string outcome, TimeSpan duration)
    {
        var tag = new KeyValuePair<string, object?>("outcome", outcome);
        deliveries.Add(1, tag);
        attemptDuration.Record(duration.TotalSeconds, tag);
    }

    public void RecordBacklog(Backlog backlog, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(backlog);
        Volatile.Write(ref pending, backlog.Pending);
        Volatile.Write(ref oldestDueAgeSeconds, backlog.OldestDue is { } oldest ? Math.Max(0, (now - oldest).TotalSeconds) : 0);
    }
}
