using System.Text.Json.Serialization;

namespace Accounting.Reports.Reports;

/// <summary>What every report carries besides its figures (contract §6).</summary>
public abstract class Report(ReportHeader header)
{
    [JsonPropertyOrder(-2)]
    public string Currency { get; } = header.Currency;

    [JsonPropertyOrder(1)]
    public DateTimeOffset GeneratedAt { get; } = header.GeneratedAt;

    /// <summary>How many of the organisation's journal entries the report reflects.</summary>
    [JsonPropertyOrder(1)]
    public long LedgerPosition { get; } = header.LedgerPosition;

    [JsonPropertyOrder(1)]
    public bool Complete { get; } = header.Complete;

    /// <summary>Entries the ledger has committed that the report does not reflect; only when incomplete and known.</summary>
    [JsonPropertyOrder(1)]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? BehindBy { get; } = header.BehindBy;
}

/// <summary>A report line; the computed equity lines have no account.</summary>
public sealed record AccountAmount(string? AccountId, string? Code, string Name, decimal Amount);

public sealed record ReportSection(IReadOnlyList<AccountAmount> Accounts, decimal Total);

public sealed class ProfitAndLossReport(ReportHeader header) : Report(header)
{
    [JsonPropertyOrder(-1)]
    public required DateOnly From { get; init; }

    [JsonPropertyOrder(-1)]
    public required DateOnly To { get; init; }

    public required ReportSection Income { get; init; }

    public required ReportSection CostOfSales { get; init; }

    public required decimal GrossProfit { get; init; }

    public required ReportSection Expenses { get; init; }

    public required decimal NetProfit { get; init; }
}

public sealed class BalanceSheetReport(ReportHeader header) : Report(header)
{
    [JsonPropertyOrder(-1)]
    public required DateOnly AsOf { get; init; }

    public required ReportSection Assets { get; init; }

    public required ReportSection Liabilities { get; init; }

    public required ReportSection Equity { get; init; }

    public required decimal TotalAssets { get; init; }

    public required decimal TotalLiabilitiesAndEquity { get; init; }
}

public sealed record TrialBalanceAccount(string AccountId, string Code, string Name, string Type, decimal Debit, decimal Credit);

public sealed class TrialBalanceReport(ReportHeader header) : Report(header)
{
    [JsonPropertyOrder(-1)]
    public required DateOnly AsOf { get; init; }

    public required IReadOnlyList<TrialBalanceAccount> Accounts { get; init; }

    public required decimal TotalDebit { get; init; }

    public required decimal TotalCredit { get; init; }
}

public sealed record LedgerAccount(string AccountId, string Code, string Name, string Type, string? Subtype);

public sealed record GeneralLedgerLine(DateOnly Date, string JournalEntryId, string Description, decimal Debit, decimal Credit, decimal Balance);

public sealed class GeneralLedgerReport(ReportHeader header) : Report(header)
{
    [JsonPropertyOrder(-1)]
    public required DateOnly? From { get; init; }

    [JsonPropertyOrder(-1)]
    public required DateOnly? To { get; init; }

    public required LedgerAccount Account { get; init; }

    public required decimal OpeningBalance { get; init; }

    public required IReadOnlyList<GeneralLedgerLine> Lines { get; init; }

    public required decimal ClosingBalance { get; init; }

    /// <summary>Of <see cref="Lines"/> (contract §1's shape).</summary>
    public required Accounting.ServiceDefaults.Http.Pagination Pagination { get; init; }
}

public sealed class VatReturnReport(ReportHeader header) : Report(header)
{
    [JsonPropertyOrder(-1)]
    public required DateOnly From { get; init; }

    [JsonPropertyOrder(-1)]
    public required DateOnly To { get; init; }

    public required decimal VatDueSales { get; init; }

    public required decimal VatDueAcquisitions { get; init; }

    public required decimal TotalVatDue { get; init; }

    public required decimal VatReclaimedCurrPeriod { get; init; }

    public required decimal NetVatDue { get; init; }

    /// <summary><c>payable</c> when box 3 is at least box 4, else <c>repayable</c>.</summary>
    public required string Direction { get; init; }

    public required decimal TotalValueSalesExVat { get; init; }

    public required decimal TotalValuePurchasesExVat { get; init; }

    public required decimal TotalValueGoodsSuppliedExVat { get; init; }

    public required decimal TotalAcquisitionsExVat { get; init; }
}

/// <summary>What is still due on the report's date, by days past the due date (<c>current</c>: not yet past it).</summary>
public sealed record AgingBuckets(
    decimal Current,
    [property: JsonPropertyName("days_1_30")] decimal Days1To30,
    [property: JsonPropertyName("days_31_60")] decimal Days31To60,
    [property: JsonPropertyName("days_61_90")] decimal Days61To90,
    [property: JsonPropertyName("days_over_90")] decimal DaysOver90,
    decimal Total);

/// <summary>A contact's buckets; <see cref="Name"/> is null while its contact.created has not arrived.</summary>
public sealed record AgedContact(
    string ContactId,
    string? Name,
    decimal Current,
    [property: JsonPropertyName("days_1_30")] decimal Days1To30,
    [property: JsonPropertyName("days_31_60")] decimal Days31To60,
    [property: JsonPropertyName("days_61_90")] decimal Days61To90,
    [property: JsonPropertyName("days_over_90")] decimal DaysOver90,
    decimal Total);

public sealed class AgedReport(ReportHeader header) : Report(header)
{
    [JsonPropertyOrder(-1)]
    public required DateOnly AsOf { get; init; }

    public required IReadOnlyList<AgedContact> Contacts { get; init; }

    public required AgingBuckets Totals { get; init; }
}
