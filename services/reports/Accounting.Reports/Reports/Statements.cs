namespace Accounting.Reports.Reports;

/// <summary>An account's debits and credits over a range of days, summed from the monthly and daily balances.</summary>
public sealed record AccountTotals(
    string AccountId, string Code, string Name, string Type, string? Subtype, decimal Debit, decimal Credit, decimal DebitSince, decimal CreditSince)
{
    /// <summary>Positive on the account's natural side: debit-heavy for assets and expenses, credit-heavy otherwise (contract §6).</summary>
    public decimal Balance => IsDebitNatural(Type) ? Debit - Credit : Credit - Debit;

    public bool IsCostOfSales => Type == "expense" && Subtype is "direct_costs" or "cost_of_sales";

    public static bool IsDebitNatural(string type) => type is "asset" or "expense";
}

/// <summary>The profit and loss account, balance sheet and trial balance from the monthly and daily balances.</summary>
public static class Statements
{
    // Per account: the whole months of the range from monthly_balances, the part-months at either
    // end from daily_balances, each an index range scan, so the cost does not grow with the days.
    // The *_since sums are the part on or after @Since (a month's first day, or no day at all).
    private const string TotalsSql = """
        SELECT a.account_id, a.code, a.name, a.type, a.subtype, t.debit, t.credit, t.debit_since, t.credit_since
        FROM accounts a
        CROSS JOIN LATERAL (
            SELECT coalesce(sum(x.debit), 0) AS debit, coalesce(sum(x.credit), 0) AS credit,
                   coalesce(sum(x.debit) FILTER (WHERE x.at >= @Since), 0) AS debit_since,
                   coalesce(sum(x.credit) FILTER (WHERE x.at >= @Since), 0) AS credit_since,
                   count(*) AS rows
            FROM (
                SELECT m.month AS at, m.debit, m.credit FROM monthly_balances m
                WHERE m.organisation_id = a.organisation_id AND m.currency = @Currency AND m.account_id = a.account_id
                  AND m.month >= @WholeMonthsFrom AND m.month < @WholeMonthsUntil
                UNION ALL
                SELECT d.day, d.debit, d.credit FROM daily_balances d
                WHERE d.organisation_id = a.organisation_id AND d.currency = @Currency AND d.account_id = a.account_id
                  AND d.day >= @From AND d.day < @WholeMonthsFrom
                UNION ALL
                SELECT d.day, d.debit, d.credit FROM daily_balances d
                WHERE d.organisation_id = a.organisation_id AND d.currency = @Currency AND d.account_id = a.account_id
                  AND d.day >= @WholeMonthsUntil AND d.day <= @To
            ) x
        ) t
        WHERE a.organisation_id = @OrganisationId AND a.type = ANY(@Types) AND t.rows > 0
        ORDER BY a.code, a.account_id
        """;

    private static readonly string[] ProfitTypes = ["income", "expense"];
    private static readonly string[] BalanceTypes = ["asset", "liability", "equity"];
    private static readonly string[] AllTypes = ["asset", "liability", "equity", "income", "expense"];

    public static async Task<ProfitAndLossReport> ProfitAndLossAsync(ReportBook book, DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(book);
        var accounts = await TotalsAsync(book, from, to, ProfitTypes, null, cancellationToken);
        var income = Section(book, accounts.Where(a => a.Type == "income"));
        var costOfSales = Section(book, accounts.Where(a => a.IsCostOfSales));
        var expenses = Section(book, accounts.Where(a => a.Type == "expense" && !a.IsCostOfSales));
        var grossProfit = income.Total - costOfSales.Total;
        return new ProfitAndLossReport(book.Header)
        {
            From = from,
            To = to,
            Income = income,
            CostOfSales = costOfSales,
            GrossProfit = grossProfit,
            Expenses = expenses,
            NetProfit = grossProfit - expenses.Total,
        };
    }

    public static async Task<BalanceSheetReport> BalanceSheetAsync(ReportBook book, DateOnly asOf, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(book);
        var yearStart = FinancialYear.StartOf(asOf, book.FinancialYearEnd);
        // A year that starts on a month's first day is a cut the monthly balances already have: one
        // read gives the balances, and the profit in total and since the year began.
        var yearOnMonths = yearStart.Day == 1;
        var toDate = await TotalsAsync(book, DateOnly.MinValue, asOf, AllTypes, yearOnMonths ? yearStart : null, cancellationToken);
        var balances = toDate.Where(a => BalanceTypes.Contains(a.Type)).ToList();
        var profits = toDate.Where(a => ProfitTypes.Contains(a.Type)).ToList();
        var currentYear = yearOnMonths
            ? profits.Sum(a => a.CreditSince - a.DebitSince)
            : NetProfit(await TotalsAsync(book, yearStart, asOf, ProfitTypes, null, cancellationToken));
        // Every profit up to the date is this year's or an earlier year's.
        var earlierYears = NetProfit(profits) - currentYear;

        var assets = Section(book, balances.Where(a => a.Type == "asset"));
        var liabilities = Section(book, balances.Where(a => a.Type == "liability"));
        var equityAccounts = Lines(book, balances.Where(a => a.Type == "equity")).ToList();
        equityAccounts.Add(new AccountAmount(null, null, "Current year earnings", book.Present(currentYear)));
        equityAccounts.Add(new AccountAmount(null, null, "Earlier years' earnings", book.Present(earlierYears)));
        var equity = new ReportSection(equityAccounts, equityAccounts.Sum(a => a.Amount));
        return new BalanceSheetReport(book.Header)
        {
            AsOf = asOf,
            Assets = assets,
            Liabilities = liabilities,
            Equity = equity,
            TotalAssets = assets.Total,
            TotalLiabilitiesAndEquity = liabilities.Total + equity.Total,
        };
    }

    public static async Task<TrialBalanceReport> TrialBalanceAsync(ReportBook book, DateOnly asOf, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(book);
        var accounts = (await TotalsAsync(book, DateOnly.MinValue, asOf, AllTypes, null, cancellationToken))
            .Select(a => (Account: a, Net: book.Present(a.Debit - a.Credit)))
            .Where(a => a.Net != 0)
            .Select(a => new TrialBalanceAccount(
                a.Account.AccountId, a.Account.Code, a.Account.Name, a.Account.Type,
                a.Net > 0 ? a.Net : book.Present(0), a.Net < 0 ? -a.Net : book.Present(0)))
            .ToList();
        return new TrialBalanceReport(book.Header)
        {
            AsOf = asOf,
            Accounts = accounts,
            TotalDebit = book.Present(accounts.Sum(a => a.Debit)),
            TotalCredit = book.Present(accounts.Sum(a => a.Credit)),
        };
    }

    /// <summary>
    /// Each account's totals from <paramref name="from"/> to <paramref name="to"/>, and (when given) the part on or after
    /// <paramref name="since"/>, which must be the first day of a month: a day inside one would cut a monthly balance.
    /// </summary>
    public static async Task<List<AccountTotals>> TotalsAsync(
        ReportBook book, DateOnly from, DateOnly to, string[] types, DateOnly? since, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(book);
        if (since is { Day: not 1 })
        {
            throw new ArgumentOutOfRangeException(nameof(since), since, "A cut inside the totals falls on a month's first day.");
        }

        var split = MonthSplit.Of(from, to);
        return [.. await book.QueryAsync<AccountTotals>(
            TotalsSql,
            new { book.OrganisationId, book.Currency, split.From, split.To, split.WholeMonthsFrom, split.WholeMonthsUntil, Since = since ?? DateOnly.MaxValue, Types = types },
            cancellationToken)];
    }

    private static decimal NetProfit(IEnumerable<AccountTotals> accounts) => accounts.Sum(a => a.Credit - a.Debit);

    private static ReportSection Section(ReportBook book, IEnumerable<AccountTotals> accounts)
    {
        var lines = Lines(book, accounts).ToList();
        return new ReportSection(lines, book.Present(lines.Sum(l => l.Amount)));
    }

    private static IEnumerable<AccountAmount> Lines(ReportBook book, IEnumerable<AccountTotals> accounts) =>
        accounts.Select(a => new AccountAmount(a.AccountId, a.Code, a.Name, book.Present(a.Balance))).Where(a => a.Amount != 0);
}
