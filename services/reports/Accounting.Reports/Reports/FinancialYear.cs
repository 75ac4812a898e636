using System.Globalization;

namespace Accounting.Reports.Reports;

/// <summary>An organisation's financial year, from its year-end setting ("MM-DD").</summary>
public static class FinancialYear
{
    public static bool IsValidEnd(string? yearEnd) => yearEnd is not null && TryParse(yearEnd, out _, out _);

    /// <summary>The first day of the financial year that contains <paramref name="day"/>.</summary>
    public static DateOnly StartOf(DateOnly day, string yearEnd)
    {
        if (!TryParse(yearEnd, out var month, out var dayOfMonth))
        {
            month = 12;
            dayOfMonth = 31;
        }

        var endThisYear = EndIn(day.Year, month, dayOfMonth);
        return day <= endThisYear ? EndIn(day.Year - 1, month, dayOfMonth).AddDays(1) : endThisYear.AddDays(1);
    }

    // 02-29 ends the year on the last day of February in years that have no 29th.
    private static DateOnly EndIn(int year, int month, int day) => new(year, month, Math.Min(day, DateTime.DaysInMonth(year, month)));

    private static bool TryParse(string yearEnd, out int month, out int day)
    {
        month = day = 0;
        return yearEnd.Length == 5 && yearEnd[2] == '-'
            && int.TryParse(yearEnd.AsSpan(0, 2), NumberStyles.None, CultureInfo.InvariantCulture, out month)
            && int.TryParse(yearEnd.AsSpan(3, 2), NumberStyles.None, CultureInfo.InvariantCulture, out day)
            && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(2024, month);
    }
}
