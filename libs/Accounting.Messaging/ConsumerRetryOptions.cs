namespace Accounting.Messaging;

/// <summary>
/// How a failing consumer is retried before its message is given up on and moved to the
/// queue's <c>_error</c> queue: first a few quick retries in memory, for a blip; then the message
/// goes back to the broker and returns after each redelivery interval, for an outage (a database
/// failover, a restart), without holding a consumer slot meanwhile.
/// </summary>
public sealed class ConsumerRetryOptions
{
    public const string SectionName = "Consumers";

    // Bound lists append to what a property already holds, so the defaults apply only when nothing is configured.
    private static readonly TimeSpan[] DefaultRetryIntervals =
        [TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5)];

    private static readonly TimeSpan[] DefaultRedeliveryIntervals =
    [
        TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15), TimeSpan.FromHours(1),
        TimeSpan.FromHours(2), TimeSpan.FromHours(4), TimeSpan.FromHours(8),
    ];

    /// <summary>In-memory retries, each after the given pause (default 0.2, 0.5, 1, 2 and 5 s).</summary>
    public IList<TimeSpan> RetryIntervals { get; } = [];

    /// <summary>
    /// Redeliveries through the broker, each after the given delay (default 1, 5 and 15 min, then
    /// 1, 2, 4 and 8 h: about 15 h in all before a message reaches <c>_error</c>).
    /// </summary>
    public IList<TimeSpan> RedeliveryIntervals { get; } = [];

    internal TimeSpan[] EffectiveRetryIntervals => RetryIntervals.Count == 0 ? DefaultRetryIntervals : [.. RetryIntervals];

    internal TimeSpan[] EffectiveRedeliveryIntervals => Validated(RedeliveryIntervals.Count == 0 ? DefaultRedeliveryIntervals : [.. RedeliveryIntervals]);

    private static TimeSpan[] Validated(TimeSpan[] intervals) =>
        intervals.All(interval => interval >= TimeSpan.FromMilliseconds(1))
            ? intervals
            : throw new InvalidOperationException($"{SectionName}:{nameof(RedeliveryIntervals)} must be positive durations.");
}
