namespace Accounting.Reports.Reports;

/// <summary>
/// A range of days cut into the whole months inside it (read from the monthly balances) and the
/// days before and after them (read from the daily balances): <c>[From, WholeMonthsFrom)</c>, the
/// months from <c>WholeMonthsFrom</c> up to (not including) <c>WholeMonthsUntil</c>, then
/// <c>[WholeMonthsUntil, To]</c>. A range with no whole month in it is all days.
/// </summary>
public sealed record MonthSplit(DateOnly From, DateOnly To, DateOnly WholeMonthsFrom, DateOnly WholeMonthsUntil)
{
    public static MonthSplit Of(DateOnly from, DateOnly to)
    {
        var firstWhole = from.Day == 1 ? from : FirstOfMonth(from).AddMonths(1);
        var endsWithItsMonth = to != DateOnly.MaxValue && to.AddDays(1).Day == 1;
        var untilWhole = endsWithItsMonth ? to.AddDays(1) : FirstOfMonth(to);
        if (firstWhole >= untilWhole)
        {
            // Months from..from are none, and the days before them cover the whole range.
            var past = to == DateOnly.MaxValue ? to : to.AddDays(1);
            return new MonthSplit(from, to, past, past);
        }

        return new MonthSplit(from, to, firstWhole, untilWhole);
    }

    private static DateOnly FirstOfMonth(DateOnly day) => new(day.Year, day.Month, 1);
}
