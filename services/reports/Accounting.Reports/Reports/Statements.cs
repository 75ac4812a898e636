namespace Accounting.Reports.Reports;

/// <summary>An account's debits and credits over a range of days, summed from the daily balances.</summary>
public sealed record AccountTotals(string AccountId, string Code, string Name, string Type, string? Subtype, decimal Debit, decimal Credit)
{
    /// <summary>Positive on the account's natural side: debit-heavy for assets and expenses, credit-heavy otherwise (contract §6).</summary>
    public decimal Balance => IsDebitNatural(Type) ? Debit - Credit : Credit - Debit;

    public bool IsCostOfSales => Type == "expense" && Subtype is "direct_costs" or "cost_of_sales";

    public static bool IsDebitNatural(string type) => type is "asset" or "expense";
}

/// <summary>The profit and loss account, balance sheet and trial balance from the daily balances.</summary>
public static class Statements
{
    private const string TotalsSql = """
        SELECT a.account_id, a.code, a.name, a.type, a.subtype, sum(b.debit) AS debit, sum(b.credit) AS credit
        FROM daily_balances b
        JOIN accounts a ON a.organisation_id = b.organisation_id AND a.account_id = b.account_id
        WHERE b.organisation_id = @OrganisationId AND b.currency = @Currency AND b.day BETWEEN @From AND @To
          AND a.type = ANY(@Types)
        GROUP BY a.account_id, a.code, a.name, a.type, a.subtype
        ORDER BY a.code, a.account_id
        """;

    private static readonly string[] ProfitTypes = ["income", "expense"];
    private static readonly string[] BalanceTypes = ["asset", "liability", "equity"];
    private static readonly string[] AllTypes = ["asset", "liability", "equity", "income", "expense"];

    public static async Task<ProfitAndLossReport> ProfitAndLossAsync(ReportBook book, DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(book);
        var accounts = await TotalsAsync(book, from, to, ProfitTypes, cancellationToken);
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
        var balances = await TotalsAsync(book, DateOnly.MinValue, asOf, BalanceTypes, cancellationToken);
        var currentYear = NetProfit(await TotalsAsync(book, yearStart, asOf, ProfitTypes, cancellationToken));
        var earlierYears = yearStart == DateOnly.MinValue ? 0 : NetProfit(await TotalsAsync(book, DateOnly.MinValue, yearStart.AddDays(-1), ProfitTypes, cancellationToken));

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
        var accounts = (await TotalsAsync(book, DateOnly.MinValue, asOf, AllTypes, cancellationToken))
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

    public static async Task<List<AccountTotals>> TotalsAsync(ReportBook book, DateOnly from, DateOnly to, string[] types, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(book);
        return [.. await book.QueryAsync<AccountTotals>(TotalsSql, new { book.OrganisationId, book.Currency, From = from, To = to, Types = types }, cancellationToken)];
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
