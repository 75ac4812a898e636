using System.ComponentModel.DataAnnotations;

namespace Accounting.Reports.Ledger;

public sealed class LedgerFeedOptions
{
    public const string SectionName = "Ledger";

    /// <summary>The ledger's own address (not the gateway's, which never routes <c>/internal</c>).</summary>
    [Required]
    public Uri? BaseAddress { get; set; }

    /// <summary>Entries per request of <see cref="ILedgerFeed.EntriesAsync"/> (the ledger allows up to 5000).</summary>
    [Range(1, 5000)]
    public int PageSize { get; set; } = 500;

    /// <summary>How long one attempt may take before it is abandoned and retried.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a call may take with all its retries.</summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(45);
}
