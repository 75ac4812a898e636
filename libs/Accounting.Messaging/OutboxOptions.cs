namespace Accounting.Messaging;

public sealed class OutboxOptions
{
    public const string SectionName = "Outbox";

    public int BatchSize { get; set; } = 200;

    /// <summary>How long the relay sleeps when no notification wakes it: a safety net, not the normal path.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A broker that does not confirm a publish within this time counts as down.</summary>
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest pause between attempts while the broker fails.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Failures of one event of its own making (unknown type, unreadable payload) before it is
    /// parked for an operator; broker failures do not count.
    /// </summary>
    public int MaxPublishAttempts { get; set; } = 5;

    /// <summary>Published events and inbox records are kept this long for diagnosis and deduplication.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);
}
