using Accounting.Reports.Reports;

namespace Accounting.Reports.Tests;

public sealed class MonthSplitTests
{
    public static TheoryData<DateOnly, DateOnly, DateOnly, DateOnly> Ranges => new()
    {
        // from, to: whole months from, whole months until (the days outside them come from the daily balances).
        { new(2025, 1, 1), new(2025, 12, 31), new(2025, 1, 1), new(2026, 1, 1) },
        { new(2025, 1, 15), new(2025, 3, 10), new(2025, 2, 1), new(2025, 3, 1) },
        { new(2025, 1, 31), new(2025, 2, 28), new(2025, 2, 1), new(2025, 3, 1) },
        { DateOnly.MinValue, new(2026, 12, 31), DateOnly.MinValue, new(2027, 1, 1) },
        { new(2026, 6, 1), DateOnly.MaxValue, new(2026, 6, 1), new(9999, 12, 1) },
    };

    [Theory]
    [MemberData(nameof(Ranges))]
    public void A_range_is_read_as_its_whole_months_and_the_days_either_side(DateOnly from, DateOnly to, DateOnly wholeMonthsFrom, DateOnly wholeMonthsUntil) =>
        MonthSplit.Of(from, to).ShouldBe(new MonthSplit(from, to, wholeMonthsFrom, wholeMonthsUntil));

    [Theory]
    [InlineData("2025-01-15", "2025-01-20")]
    [InlineData("2025-01-15", "2025-02-27")]
    [InlineData("2025-03-01", "2025-03-30")]
    public void A_range_without_a_whole_month_is_all_days(string from, string to)
    {
        var split = MonthSplit.Of(DateOnly.Parse(from, System.Globalization.CultureInfo.InvariantCulture), DateOnly.Parse(to, System.Globalization.CultureInfo.InvariantCulture));

        // Before the (empty) months is every day of the range; after them, none.
        (split.WholeMonthsFrom, split.WholeMonthsUntil).ShouldBe((split.To.AddDays(1), split.To.AddDays(1)));
    }
}
