namespace Accounting.Messaging;

public sealed class OutboxOptions
{
    public const string SectionName = "Outbox";

    public int BatchSize { get; set; } = 200;

    /// <summary>How long the relay sleeps when no notification wakes it: a safety net, not the normal path.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A broker that does not confirm a publish within this time counts as down.</summary>
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Published events and inbox records are kept this long for diagnosis and deduplication.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);
}
