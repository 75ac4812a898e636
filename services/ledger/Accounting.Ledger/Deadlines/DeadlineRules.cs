using System.Globalization;
using Accounting.Contracts.Auth;

namespace Accounting.Ledger.Deadlines;

public static class DeadlineTypes
{
    public const string VatReturn = "vat_return";
    public const string AnnualAccounts = "annual_accounts";
    public const string CorporationTaxPayment = "corporation_tax_payment";
    public const string CorporationTaxReturn = "corporation_tax_return";
    public const string ConfirmationStatement = "confirmation_statement";
}

public static class DeadlineStatuses
{
    public const string Upcoming = "upcoming";
    public const string DueSoon = "due_soon";
    public const string Overdue = "overdue";
    public const string Closed = "closed";
}

public sealed record Deadline(string Type, DateOnly PeriodStart, DateOnly PeriodEnd, DateOnly DueDate, string Status, string Description);

/// <summary>
/// The UK filing and payment deadlines of contract §5.4, computed from an organisation's settings.
/// Calendar arithmetic only: "n months after" a month's last day is the last day of the month n
/// later (31 Mar + 9 months = 31 Dec, 28 Feb 2027 + 9 months = 30 Nov), otherwise the same day
/// of the month, or that month's last day when it is shorter (31 May + 9 months = 28 Feb or 29 Feb).
/// </summary>
public static class DeadlineRules
{
    /// <summary>Due today or within this many days is <c>due_soon</c>.</summary>
    public const int DueSoonDays = 14;

    private const int ConfirmationStatementDays = 14;

    /// <summary>Every deadline due within <paramref name="from"/>…<paramref name="to"/> (inclusive), ordered by due date.</summary>
    /// <param name="closedThrough">The organisation's latest closed ledger period end, if any.</param>
    public static IReadOnlyList<Deadline> Between(OrganisationSettings settings, DateOnly from, DateOnly to, DateOnly today, DateOnly? closedThrough)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var obligations = VatReturns(settings, from, to)
            .Concat(AnnualObligations(settings, from, to))
            .Concat(ConfirmationStatements(settings, to));
        return
        [
            .. obligations
                .Where(o => o.DueDate >= from && o.DueDate <= to)
                .Select(o => o with { Status = StatusOf(o, today, closedThrough) })
                .OrderBy(o => o.DueDate).ThenBy(o => o.PeriodEnd).ThenBy(o => o.Type, StringComparer.Ordinal),
        ];
    }

    public static string StatusOf(Deadline deadline, DateOnly today, DateOnly? closedThrough)
    {
        ArgumentNullException.ThrowIfNull(deadline);
        if (deadline.Type == DeadlineTypes.VatReturn && closedThrough is { } closed && deadline.PeriodEnd <= closed)
        {
            return DeadlineStatuses.Closed;
        }

        if (deadline.DueDate < today)
        {
            return DeadlineStatuses.Overdue;
        }

        return deadline.DueDate <= today.AddDays(DueSoonDays) ? DeadlineStatuses.DueSoon : DeadlineStatuses.Upcoming;
    }

    /// <summary>The 7th day of the second month after the period's last month (31 Mar → 7 May).</summary>
    public static DateOnly VatDueDate(DateOnly periodEnd) => new DateOnly(periodEnd.Year, periodEnd.Month, 1).AddMonths(2).AddDays(6);

    public static DateOnly AnnualAccountsDueDate(DateOnly yearEnd) => AddMonths(yearEnd, 9);

    public static DateOnly CorporationTaxPaymentDueDate(DateOnly yearEnd) => AddMonths(yearEnd, 9).AddDays(1);

    public static DateOnly CorporationTaxReturnDueDate(DateOnly yearEnd) => AddMonths(yearEnd, 12);

    /// <summary>Months later, a month end staying a month end (see the type's remarks).</summary>
    public static DateOnly AddMonths(DateOnly date, int months) =>
        IsMonthEnd(date) ? EndOfMonth(date.AddMonths(months)) : date.AddMonths(months);

    /// <summary>The financial year's last day in <paramref name="year"/>: "02-29" is 28 Feb in a common year.</summary>
    public static DateOnly YearEnd(string financialYearEnd, int year)
    {
        ArgumentNullException.ThrowIfNull(financialYearEnd);
        var month = int.Parse(financialYearEnd.AsSpan(0, 2), CultureInfo.InvariantCulture);
        var day = int.Parse(financialYearEnd.AsSpan(3, 2), CultureInfo.InvariantCulture);
        return new DateOnly(year, month, Math.Min(day, DateTime.DaysInMonth(year, month)));
    }

    /// <summary>The months a quarterly return ends in, by stagger (1: Mar/Jun/Sep/Dec, 2: Apr/Jul/Oct/Jan, 3: May/Aug/Nov/Feb).</summary>
    public static bool EndsVatQuarter(int month, int stagger) => month % 3 == stagger - 1;

    private static IEnumerable<Deadline> VatReturns(OrganisationSettings settings, DateOnly from, DateOnly to)
    {
        if (!settings.VatRegistered)
        {
            yield break;
        }

        var monthly = settings.VatPeriod == "monthly";
        // A return is due in the second month after its period's last month, so periods due within
        // the window end between two months before it and its last month.
        var month = new DateOnly(from.Year, from.Month, 1).AddMonths(-2);
        for (; month <= to; month = month.AddMonths(1))
        {
            if (!monthly && !EndsVatQuarter(month.Month, settings.VatStagger ?? 1))
            {
                continue;
            }

            var start = monthly ? month : month.AddMonths(-2);
            var end = EndOfMonth(month);
            yield return new Deadline(DeadlineTypes.VatReturn, start, end, VatDueDate(end), DeadlineStatuses.Upcoming,
                $"VAT return and payment for {Format(start)} to {Format(end)}");
        }
    }

    private static IEnumerable<Deadline> AnnualObligations(OrganisationSettings settings, DateOnly from, DateOnly to)
    {
        // The latest annual deadline falls 12 months after its year end, the earliest 9 months after.
        for (var year = from.Year - 1; year <= to.Year; year++)
        {
            var end = YearEnd(settings.FinancialYearEnd, year);
            if (settings.IncorporationDate is { } incorporated && end <= incorporated)
            {
                continue;
            }

            var start = YearEnd(settings.FinancialYearEnd, year - 1).AddDays(1);
            var ended = $"the year ended {Format(end)}";
            yield return new Deadline(DeadlineTypes.AnnualAccounts, start, end, AnnualAccountsDueDate(end), DeadlineStatuses.Upcoming,
                $"Annual accounts to Companies House for {ended}");
            yield return new Deadline(DeadlineTypes.CorporationTaxPayment, start, end, CorporationTaxPaymentDueDate(end), DeadlineStatuses.Upcoming,
                $"Corporation tax payment for {ended}");
            yield return new Deadline(DeadlineTypes.CorporationTaxReturn, start, end, CorporationTaxReturnDueDate(end), DeadlineStatuses.Upcoming,
                $"Corporation tax return (CT600) for {ended}");
        }
    }

    private static IEnumerable<Deadline> ConfirmationStatements(OrganisationSettings settings, DateOnly to)
    {
        if (settings.IncorporationDate is not { } incorporated)
        {
            yield break;
        }

        var start = incorporated;
        for (var years = 1; ; years++)
        {
            // DateOnly.AddYears makes 29 Feb's anniversary 28 Feb in a common year.
            var end = incorporated.AddYears(years);
            var due = end.AddDays(ConfirmationStatementDays);
            if (due > to)
            {
                yield break;
            }

            yield return new Deadline(DeadlineTypes.ConfirmationStatement, start, end, due, DeadlineStatuses.Upcoming,
                $"Confirmation statement to Companies House for the year to {Format(end)}");
            start = end;
        }
    }

    private static bool IsMonthEnd(DateOnly date) => date.Day == DateTime.DaysInMonth(date.Year, date.Month);

    private static DateOnly EndOfMonth(DateOnly date) => new(date.Year, date.Month, DateTime.DaysInMonth(date.Year, date.Month));

    private static string Format(DateOnly date) => date.ToString("d MMM yyyy", CultureInfo.InvariantCulture);
}
