namespace Accounting.Contracts.Auth;

/// <summary>
/// An organisation's settings (contract §9) as the services that depend on them keep a copy:
/// the ledger (deadlines, the categoriser's threshold) and reports (base currency, financial year).
/// </summary>
public sealed record OrganisationSettings
{
    public static OrganisationSettings Defaults { get; } = new();

    public string BaseCurrency { get; init; } = "GBP";

    public string Country { get; init; } = "GB";

    /// <summary>"MM-DD" of the last day of the financial year.</summary>
    public string FinancialYearEnd { get; init; } = "12-31";

    public bool VatRegistered { get; init; }

    public string? VatNumber { get; init; }

    /// <summary>"standard" when VAT-registered, else null.</summary>
    public string? VatScheme { get; init; }

    /// <summary>"quarterly" or "monthly" when VAT-registered, else null.</summary>
    public string? VatPeriod { get; init; }

    /// <summary>1, 2 or 3 for quarterly returns, else null.</summary>
    public int? VatStagger { get; init; }

    public DateOnly? IncorporationDate { get; init; }

    public string? CompanyNumber { get; init; }

    public decimal AutoCategoriseThreshold { get; init; } = 0.9m;
}
