namespace Accounting.Reports;

public sealed class ReportsOptions
{
    public const string SectionName = "Reports";

    /// <summary>How long a report waits for entries the ledger has committed but this service has not applied yet (contract §6: 5 s).</summary>
    public TimeSpan FreshnessWait { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long an entry may wait for its predecessor before the missing ones are fetched from the ledger.</summary>
    public TimeSpan PendingGapTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The start of every queue's name (<c>reports-journal-entry-posted</c>, …). A second deployment that builds
    /// its own read model beside the first (a changed projection being rebuilt) needs queues of its own, or the
    /// two would take turns at each event instead of both receiving it.
    /// </summary>
    public string QueuePrefix { get; set; } = "reports";

    /// <summary>How often the gap filler looks for entries that have waited longer than <see cref="PendingGapTimeout"/>.</summary>
    public TimeSpan GapCheckInterval { get; set; } = TimeSpan.FromSeconds(15);
}
