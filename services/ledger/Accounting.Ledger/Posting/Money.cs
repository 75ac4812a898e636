using System.Collections.Frozen;

namespace Accounting.Ledger.Posting;

/// <summary>Exact money rules of contract §1: ISO 4217 precision, sane bounds, half-up rounding.</summary>
public static class Money
{
    /// <summary>Amounts must stay below 10^13 major units: far beyond any real invoice, well inside numeric(19,4).</summary>
    public const decimal Limit = 10_000_000_000_000m;

    // ISO 4217 minor units of the currencies we accept; an unknown code is a 422, never a guess.
    private static readonly FrozenDictionary<string, int> MinorUnits = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["GBP"] = 2, ["EUR"] = 2, ["USD"] = 2, ["CAD"] = 2, ["AUD"] = 2, ["NZD"] = 2, ["CHF"] = 2, ["SEK"] = 2,
        ["NOK"] = 2, ["DKK"] = 2, ["PLN"] = 2, ["CZK"] = 2, ["HUF"] = 2, ["RON"] = 2, ["ZAR"] = 2, ["INR"] = 2,
        ["CNY"] = 2, ["HKD"] = 2, ["SGD"] = 2, ["MXN"] = 2, ["BRL"] = 2, ["AED"] = 2, ["ILS"] = 2, ["TRY"] = 2,
        ["JPY"] = 0, ["KRW"] = 0, ["ISK"] = 0, ["CLP"] = 0, ["VND"] = 0,
        ["BHD"] = 3, ["KWD"] = 3, ["OMR"] = 3, ["JOD"] = 3, ["TND"] = 3,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static bool IsKnownCurrency(string? currency) => currency is not null && MinorUnits.ContainsKey(currency);

    public static int DecimalsOf(string currency) => MinorUnits[currency];

    /// <summary>True when <paramref name="amount"/> has no more decimals than <paramref name="currency"/> allows.</summary>
    public static bool FitsCurrency(decimal amount, string? currency) =>
        !IsKnownCurrency(currency) || decimal.Round(amount, MinorUnits[currency!]) == amount;

    /// <summary>Half-up (away from zero) to the currency's minor unit: the UK convention for VAT per line.</summary>
    public static decimal Round(decimal amount, string currency) =>
        decimal.Round(amount, MinorUnits[currency], MidpointRounding.AwayFromZero);

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
