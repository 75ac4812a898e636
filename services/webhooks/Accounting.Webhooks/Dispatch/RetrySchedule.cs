namespace Accounting.Webhooks.Dispatch;

/// <summary>
/// When a failed delivery is tried again: 5 s, 5 min, 30 min, 2 h, 5 h, then every 10 h, each
/// ±20 % so receivers recovering from an outage are not hit by every retry at once. The last
/// attempt comes about 3¼ days after the first; after it the delivery has failed.
/// </summary>
public static class RetrySchedule
{
    private static readonly TimeSpan[] Delays =
    [
        TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2), TimeSpan.FromHours(5),
        .. Enumerable.Repeat(TimeSpan.FromHours(10), 7),
    ];

    public static int MaxAttempts => Delays.Length + 1;

    /// <summary>The wait after failed attempt <paramref name="attempt"/> (1-based), or null when it was the last.</summary>
    public static TimeSpan? DelayAfter(int attempt)
    {
        if (attempt < 1 || attempt > Delays.Length)
        {
            return null;
        }

        var jitter = 0.8 + (Random.Shared.NextDouble() * 0.4);
        return Delays[attempt - 1] * jitter;
    }

    /// <summary>The total wait across every retry, without jitter.</summary>
    public static TimeSpan Span => Delays.Aggregate(TimeSpan.Zero, (total, delay) => total + delay);
}
