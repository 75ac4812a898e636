using Accounting.Webhooks.Dispatch;

namespace Accounting.Webhooks.Tests;

public sealed class RetryScheduleTests
{
    /// <summary>Contract §7's example schedule: the wait before each retry.</summary>
    private static readonly TimeSpan[] Contract =
    [
        TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2), TimeSpan.FromHours(5),
        .. Enumerable.Repeat(TimeSpan.FromHours(10), 7),
    ];

    /// <summary>Both extremes of the jitter, then ten thousand seeded draws.</summary>
    private static IEnumerable<Random> JitterSources() =>
        [new FixedRandom(0), new FixedRandom(Math.BitDecrement(1.0)), .. Enumerable.Range(0, 10_000).Select(seed => new Random(seed))];

    [Fact]
    public void Every_delivery_keeps_being_retried_for_at_least_three_days_after_its_first_attempt()
    {
        foreach (var random in JitterSources())
        {
            var lastAttemptAfterFirst = Schedule(random).Aggregate(TimeSpan.Zero, (total, delay) => total + delay);

            lastAttemptAfterFirst.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromDays(3));
            lastAttemptAfterFirst.ShouldBeLessThan(TimeSpan.FromDays(4));
        }
    }

    [Fact]
    public void Each_retry_waits_the_contracts_delay_lengthened_by_at_most_a_fifth()
    {
        foreach (var random in JitterSources())
        {
            var delays = Schedule(random);

            delays.Count.ShouldBe(Contract.Length);
            for (var retry = 0; retry < Contract.Length; retry++)
            {
                delays[retry].ShouldBeGreaterThanOrEqualTo(Contract[retry]);
                delays[retry].ShouldBeLessThanOrEqualTo(Contract[retry] * 1.2);
            }
        }

        RetrySchedule.MaxAttempts.ShouldBe(Contract.Length + 1);
    }

    /// <summary>The waits after each failed attempt until the schedule gives up.</summary>
    private static List<TimeSpan> Schedule(Random random)
    {
        var delays = new List<TimeSpan>();
        for (var attempt = 1; RetrySchedule.DelayAfter(attempt, random) is { } delay; attempt++)
        {
            delays.Add(delay);
        }

        return delays;
    }

    private sealed class FixedRandom(double value) : Random
    {
        public override double NextDouble() => value;
    }
}
