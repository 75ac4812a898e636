using Accounting.Contracts.Auth;
using Accounting.Ledger.Deadlines;

namespace Accounting.Ledger.Tests.Deadlines;

public sealed class DeadlineRulesTests
{
    private static readonly DateOnly Today = new(2026, 5, 1);

    private static OrganisationSettings Vat(string period, int? stagger) => OrganisationSettings.Defaults with
    {
        VatRegistered = true,
        VatNumber = "GB123456782",
        VatScheme = "standard",
        VatPeriod = period,
        VatStagger = stagger,
    };

    [Theory]
    [InlineData("2026-03-31", "2026-05-07")]
    [InlineData("2026-09-30", "2026-11-07")]
    [InlineData("2026-01-31", "2026-03-07")]
    [InlineData("2026-11-30", "2027-01-07")]
    [InlineData("2026-12-31", "2027-02-07")]
    [InlineData("2027-02-28", "2027-04-07")]
    [InlineData("2028-02-29", "2028-04-07")]
    public void A_vat_return_is_due_on_the_7th_day_of_the_second_month_after_its_period(string periodEnd, string due) =>
        DeadlineRules.VatDueDate(DateOnly.Parse(periodEnd)).ShouldBe(DateOnly.Parse(due));

    [Theory]
    [InlineData("quarterly", 1, new[] { "2025-10-01/2025-12-31/2026-02-07", "2026-01-01/2026-03-31/2026-05-07", "2026-04-01/2026-06-30/2026-08-07", "2026-07-01/2026-09-30/2026-11-07" })]
    [InlineData("quarterly", 2, new[] { "2025-11-01/2026-01-31/2026-03-07", "2026-02-01/2026-04-30/2026-06-07", "2026-05-01/2026-07-31/2026-09-07", "2026-08-01/2026-10-31/2026-12-07" })]
    [InlineData("quarterly", 3, new[] { "2025-09-01/2025-11-30/2026-01-07", "2025-12-01/2026-02-28/2026-04-07", "2026-03-01/2026-05-31/2026-07-07", "2026-06-01/2026-08-31/2026-10-07" })]
    public void Quarterly_vat_periods_follow_the_stagger_and_each_starts_the_day_after_the_last_ends(string period, int stagger, string[] expected)
    {
        var returns = DeadlineRules.Between(Vat(period, stagger), new DateOnly(2026, 1, 1), new DateOnly(2026, 12, 31), Today, null)
            .Where(d => d.Type == DeadlineTypes.VatReturn);

        returns.Select(d => $"{d.PeriodStart:yyyy-MM-dd}/{d.PeriodEnd:yyyy-MM-dd}/{d.DueDate:yyyy-MM-dd}").ShouldBe(expected);
    }

    [Fact]
    public void Monthly_vat_returns_cover_every_month_including_a_leap_february()
    {
        var returns = DeadlineRules.Between(Vat("monthly", null), new DateOnly(2028, 1, 1), new DateOnly(2028, 12, 31), Today, null)
            .Where(d => d.Type == DeadlineTypes.VatReturn).ToList();

        returns.Count.ShouldBe(12);
        returns[0].ShouldBe(new Deadline(DeadlineTypes.VatReturn, new(2027, 11, 1), new(2027, 11, 30), new(2028, 1, 7), DeadlineStatuses.Upcoming,
            "VAT return and payment for 1 Nov 2027 to 30 Nov 2027"));
        returns.Single(d => d.PeriodEnd.Month == 2).ShouldSatisfyAllConditions(
            d => d.PeriodStart.ShouldBe(new DateOnly(2028, 2, 1)),
            d => d.PeriodEnd.ShouldBe(new DateOnly(2028, 2, 29)),
            d => d.DueDate.ShouldBe(new DateOnly(2028, 4, 7)));
        returns.Zip(returns.Skip(1)).ShouldAllBe(pair => pair.Second.PeriodStart == pair.First.PeriodEnd.AddDays(1));
    }

    [Fact]
    public void An_organisation_not_registered_for_vat_has_no_vat_returns() =>
        DeadlineRules.Between(OrganisationSettings.Defaults, new DateOnly(2026, 1, 1), new DateOnly(2026, 12, 31), Today, null)
            .ShouldNotContain(d => d.Type == DeadlineTypes.VatReturn);

    [Theory]
    [InlineData("03-31", 2026, "2025-04-01", "2026-03-31", "2026-12-31", "2027-01-01", "2027-03-31")]
    [InlineData("09-30", 2026, "2025-10-01", "2026-09-30", "2027-06-30", "2027-07-01", "2027-09-30")]
    [InlineData("12-31", 2025, "2025-01-01", "2025-12-31", "2026-09-30", "2026-10-01", "2026-12-31")]
    [InlineData("04-30", 2026, "2025-05-01", "2026-04-30", "2027-01-31", "2027-02-01", "2027-04-30")]
    [InlineData("01-15", 2026, "2025-01-16", "2026-01-15", "2026-10-15", "2026-10-16", "2027-01-15")]
    [InlineData("05-31", 2027, "2026-06-01", "2027-05-31", "2028-02-29", "2028-03-01", "2028-05-31")]
    [InlineData("02-29", 2028, "2027-03-01", "2028-02-29", "2028-11-30", "2028-12-01", "2029-02-28")]
    [InlineData("02-29", 2027, "2026-03-01", "2027-02-28", "2027-11-30", "2027-12-01", "2028-02-29")]
    [InlineData("02-28", 2028, "2027-03-01", "2028-02-28", "2028-11-28", "2028-11-29", "2029-02-28")]
    public void Annual_deadlines_follow_the_year_end_with_month_ends_staying_month_ends(
        string yearEnd, int year, string start, string end, string accounts, string taxPayment, string taxReturn)
    {
        var settings = OrganisationSettings.Defaults with { FinancialYearEnd = yearEnd };
        var periodEnd = DateOnly.Parse(end);

        var annual = DeadlineRules.Between(settings, periodEnd, periodEnd.AddYears(2), Today, null)
            .Where(d => d.PeriodEnd == periodEnd).ToList();

        annual.Select(d => (d.Type, d.DueDate)).ShouldBe(
        [
            (DeadlineTypes.AnnualAccounts, DateOnly.Parse(accounts)),
            (DeadlineTypes.CorporationTaxPayment, DateOnly.Parse(taxPayment)),
            (DeadlineTypes.CorporationTaxReturn, DateOnly.Parse(taxReturn)),
        ]);
        annual.ShouldAllBe(d => d.PeriodStart == DateOnly.Parse(start));
        DeadlineRules.YearEnd(yearEnd, year).ShouldBe(periodEnd);
    }

    [Fact]
    public void Annual_rows_are_listed_only_for_years_ending_after_incorporation()
    {
        var settings = OrganisationSettings.Defaults with { FinancialYearEnd = "03-31", IncorporationDate = new DateOnly(2026, 3, 31) };

        var annual = DeadlineRules.Between(settings, new DateOnly(2025, 1, 1), new DateOnly(2028, 12, 31), Today, null)
            .Where(d => d.Type != DeadlineTypes.ConfirmationStatement && d.Type != DeadlineTypes.VatReturn);

        annual.Select(d => d.PeriodEnd).Distinct().ShouldBe([new DateOnly(2027, 3, 31), new DateOnly(2028, 3, 31)]);
    }

    [Fact]
    public void Confirmation_statements_run_anniversary_to_anniversary_from_a_29_february_incorporation()
    {
        var settings = OrganisationSettings.Defaults with { IncorporationDate = new DateOnly(2020, 2, 29) };

        var statements = DeadlineRules.Between(settings, new DateOnly(2020, 1, 1), new DateOnly(2024, 12, 31), Today, null)
            .Where(d => d.Type == DeadlineTypes.ConfirmationStatement)
            .Select(d => $"{d.PeriodStart:yyyy-MM-dd}/{d.PeriodEnd:yyyy-MM-dd}/{d.DueDate:yyyy-MM-dd}");

        statements.ShouldBe(
        [
            "2020-02-29/2021-02-28/2021-03-14",
            "2021-02-28/2022-02-28/2022-03-14",
            "2022-02-28/2023-02-28/2023-03-14",
            "2023-02-28/2024-02-29/2024-03-14",
        ]);
    }

    [Theory]
    [InlineData("2026-04-30", null, DeadlineStatuses.Overdue)]
    [InlineData("2026-05-01", null, DeadlineStatuses.DueSoon)]
    [InlineData("2026-05-15", null, DeadlineStatuses.DueSoon)]
    [InlineData("2026-05-16", null, DeadlineStatuses.Upcoming)]
    [InlineData("2026-04-30", "2026-03-31", DeadlineStatuses.Closed)]
    [InlineData("2026-06-07", "2026-03-31", DeadlineStatuses.Closed)]
    [InlineData("2026-04-30", "2026-03-30", DeadlineStatuses.Overdue)]
    public void A_vat_return_is_closed_once_its_whole_period_is_closed_and_otherwise_dated_against_today(string due, string? closedThrough, string status)
    {
        var vatReturn = new Deadline(DeadlineTypes.VatReturn, new(2026, 1, 1), new(2026, 3, 31), DateOnly.Parse(due), DeadlineStatuses.Upcoming, "");

        DeadlineRules.StatusOf(vatReturn, Today, closedThrough is null ? null : DateOnly.Parse(closedThrough)).ShouldBe(status);
    }

    [Fact]
    public void Closing_the_books_never_closes_an_annual_deadline()
    {
        var accounts = new Deadline(DeadlineTypes.AnnualAccounts, new(2025, 1, 1), new(2025, 3, 31), new(2025, 12, 31), DeadlineStatuses.Upcoming, "");

        DeadlineRules.StatusOf(accounts, Today, new DateOnly(2026, 3, 31)).ShouldBe(DeadlineStatuses.Overdue);
    }

    [Fact]
    public void Deadlines_are_ordered_by_due_date_and_bounded_by_the_window_inclusively()
    {
        var settings = Vat("quarterly", 1) with { FinancialYearEnd = "03-31", IncorporationDate = new DateOnly(2015, 6, 1) };

        var deadlines = DeadlineRules.Between(settings, new DateOnly(2026, 5, 7), new DateOnly(2027, 1, 1), Today, null);

        deadlines[0].DueDate.ShouldBe(new DateOnly(2026, 5, 7));
        deadlines[^1].DueDate.ShouldBe(new DateOnly(2027, 1, 1));
        deadlines.Select(d => d.DueDate).ShouldBeInOrder();
        deadlines.Select(d => d.Type).ShouldBe(
        [
            DeadlineTypes.VatReturn, DeadlineTypes.ConfirmationStatement, DeadlineTypes.VatReturn, DeadlineTypes.VatReturn,
            DeadlineTypes.AnnualAccounts, DeadlineTypes.CorporationTaxPayment,
        ]);
    }
}
