namespace Accounting.Gateway.RequestLog;

/// <summary>The API request log the gateway ships to auth (section <c>RequestLog</c>).</summary>
public sealed class RequestLogOptions
{
    public const string SectionName = "RequestLog";

    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Requests waiting to be shipped, per replica. When auth is slow or down the queue fills, and
    /// further entries are dropped and counted (<c>gateway.request_log.dropped</c>), never the request.
    /// About 100 bytes each: the default holds some 2 MB, a few seconds of full load.
    /// </summary>
    public int QueueCapacity { get; set; } = 20_000;

    /// <summary>At most this many entries per batch sent to auth.</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>A batch that is not full waits this long for more entries before it is sent.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Attempts per batch before it is dropped and counted; each retry waits twice as long as the last.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>The wait before the first retry (1, 2, 4, 8 s with the defaults: about 15 s in all).</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);
}
