namespace Accounting.Reports.Reports;

/// <summary>Each report's CSV layout: a header row, one row per account line, totals last.</summary>
public static class ReportCsv
{
    private static readonly string[] SectionHeader = ["section", "account_id", "code", "name", "amount"];

    public static CsvFile Of(ProfitAndLossReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var rows = new List<object?[]>();
        AddSection(rows, "income", report.Income);
        AddSection(rows, "cost_of_sales", report.CostOfSales);
        rows.Add(["gross_profit", null, null, "Gross profit", report.GrossProfit]);
        AddSection(rows, "expenses", report.Expenses);
        rows.Add(["net_profit", null, null, "Net profit", report.NetProfit]);
        return new CsvFile($"profit-loss-{report.From:yyyy-MM-dd}-{report.To:yyyy-MM-dd}", SectionHeader, rows);
    }

    public static CsvFile Of(BalanceSheetReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var rows = new List<object?[]>();
        AddSection(rows, "assets", report.Assets);
        AddSection(rows, "liabilities", report.Liabilities);
        AddSection(rows, "equity", report.Equity);
        rows.Add(["total_assets", null, null, "Total assets", report.TotalAssets]);
        rows.Add(["total_liabilities_and_equity", null, null, "Total liabilities and equity", report.TotalLiabilitiesAndEquity]);
        return new CsvFile($"balance-sheet-{report.AsOf:yyyy-MM-dd}", SectionHeader, rows);
    }

    public static CsvFile Of(TrialBalanceReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var rows = report.Accounts.Select(a => new object?[] { a.AccountId, a.Code, a.Name, a.Type, a.Debit, a.Credit }).ToList();
        rows.Add([null, null, "Total", null, report.TotalDebit, report.TotalCredit]);
        return new CsvFile($"trial-balance-{report.AsOf:yyyy-MM-dd}", ["account_id", "code", "name", "type", "debit", "credit"], rows);
    }

    public static CsvFile Of(GeneralLedgerReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var rows = new List<object?[]> { new object?[] { report.From, null, "Opening balance", null, null, report.OpeningBalance } };
        rows.AddRange(report.Lines.Select(l => new object?[] { l.Date, l.JournalEntryId, l.Description, l.Debit, l.Credit, l.Balance }));
        rows.Add([report.To, null, "Closing balance", null, null, report.ClosingBalance]);
        return new CsvFile($"general-ledger-{report.Account.Code}", ["date", "journal_entry_id", "description", "debit", "credit", "balance"], rows);
    }

    public static CsvFile Of(VatReturnReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        object?[][] rows =
        [
            ["1", "vat_due_sales", report.VatDueSales, null],
            ["2", "vat_due_acquisitions", report.VatDueAcquisitions, null],
            ["3", "total_vat_due", report.TotalVatDue, null],
            ["4", "vat_reclaimed_curr_period", report.VatReclaimedCurrPeriod, null],
            ["5", "net_vat_due", report.NetVatDue, report.Direction],
            ["6", "total_value_sales_ex_vat", report.TotalValueSalesExVat, null],
            ["7", "total_value_purchases_ex_vat", report.TotalValuePurchasesExVat, null],
            ["8", "total_value_goods_supplied_ex_vat", report.TotalValueGoodsSuppliedExVat, null],
            ["9", "total_acquisitions_ex_vat", report.TotalAcquisitionsExVat, null],
        ];
        return new CsvFile($"vat-{report.From:yyyy-MM-dd}-{report.To:yyyy-MM-dd}", ["box", "field", "amount", "direction"], rows);
    }

    /// <summary>Aged receivables or payables (<paramref name="name"/>): one row per contact, totals last.</summary>
    public static CsvFile Of(AgedReport report, string name)
    {
        ArgumentNullException.ThrowIfNull(report);
        var rows = report.Contacts
            .Select(c => new object?[] { c.ContactId, c.Name, c.Current, c.Days1To30, c.Days31To60, c.Days61To90, c.DaysOver90, c.Total })
            .ToList();
        var totals = report.Totals;
        rows.Add([null, "Total", totals.Current, totals.Days1To30, totals.Days31To60, totals.Days61To90, totals.DaysOver90, totals.Total]);
        return new CsvFile(
            $"{name}-{report.AsOf:yyyy-MM-dd}",
            ["contact_id", "name", "current", "days_1_30", "days_31_60", "days_61_90", "days_over_90", "total"],
            rows);
    }

    private static void AddSection(List<object?[]> rows, string section, ReportSection lines)
    {
        rows.AddRange(lines.Accounts.Select(a => new object?[] { section, a.AccountId, a.Code, a.Name, a.Amount }));
        rows.Add([section, null, null, "Total", lines.Total]);
    }
}
