namespace Accounting.Webhooks.Dispatch;

/// <summary>
/// When a failed delivery is tried again: 5 s, 5 min, 30 min, 2 h, 5 h, then every 10 h, each
/// lengthened by up to 20 % so receivers recovering from an outage are not hit by every retry at
/// once. Jitter only ever adds, so the last attempt comes at least the unjittered 3¼ days after the
/// first (the contract promises 3) and at most about 3.9; after it the delivery has failed.
/// </summary>
public static class RetrySchedule
{
    private const double MaxJitter = 0.2;

    private static readonly TimeSpan[] Delays =
    [
        TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2), TimeSpan.FromHours(5),
        .. Enumerable.Repeat(TimeSpan.FromHours(10), 7),
    ];

    public static int MaxAttempts => Delays.Length + 1;

    /// <summary>The wait after failed attempt <paramref name="attempt"/> (1-based), or null when it was the last.</summary>
    public static TimeSpan? DelayAfter(int attempt, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (attempt < 1 || attempt > Delays.Length)
        {
            return null;
        }

        return Delays[attempt - 1] * (1 + (random.NextDouble() * MaxJitter));
    }
}
