using Accounting.ServiceDefaults;

namespace Accounting.Ledger.Posting;

/// <summary>Exact money rules of contract §1: ISO 4217 precision, sane bounds, half-up rounding.</summary>
public static class Money
{
    /// <summary>Amounts must stay below 10^13 major units: far beyond any real invoice, well inside numeric(19,4).</summary>
    public const decimal Limit = 10_000_000_000_000m;

    public static bool IsKnownCurrency(string? currency) => Currencies.IsKnown(currency);

    public static int DecimalsOf(string currency) => Currencies.DecimalsOf(currency);

    /// <summary>True when <paramref name="amount"/> has no more decimals than <paramref name="currency"/> allows.</summary>
    public static bool FitsCurrency(decimal amount, string? currency) =>
        !IsKnownCurrency(currency) || decimal.Round(amount, Currencies.DecimalsOf(currency!)) == amount;

    /// <summary>Half-up (away from zero) to the currency's minor unit: the UK convention for VAT per line.</summary>
    public static decimal Round(decimal amount, string currency) =>
        decimal.Round(amount, Currencies.DecimalsOf(currency), MidpointRounding.AwayFromZero);

    /// <summary>Stored numeric(19,4) values, shown with exactly the currency's precision (12.5000 → 12.50).</summary>
    public static decimal Present(decimal amount, string currency) => Round(amount, currency);

    /// <summary>A stored rate without the storage's trailing zeros (20.0000 → 20), as the client sent it.</summary>
    public static decimal? Percent(decimal? rate) => rate / 1.0000000000000000000000000000m;
}

public static class LedgerDates
{
    public static readonly DateOnly Earliest = new(1900, 1, 1);
    public static readonly DateOnly Latest = new(2200, 12, 31);

    public static bool IsPlausible(DateOnly? date) => date is { } d && d >= Earliest && d <= Latest;

    public const string PlausibleMessage = "must be a date between 1900-01-01 and 2200-12-31.";
}
