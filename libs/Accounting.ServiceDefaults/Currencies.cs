using System.Collections.Frozen;

namespace Accounting.ServiceDefaults;

/// <summary>
/// The currencies the platform keeps books in (ISO 4217) with their minor units: one table for every
/// service, so a base currency auth accepts is one the ledger posts in and reports can show.
/// </summary>
public static class Currencies
{
    // An unknown code is a 422, never a guess at its precision.
    private static readonly FrozenDictionary<string, int> MinorUnits = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["GBP"] = 2, ["EUR"] = 2, ["USD"] = 2, ["CAD"] = 2, ["AUD"] = 2, ["NZD"] = 2, ["CHF"] = 2, ["SEK"] = 2,
        ["NOK"] = 2, ["DKK"] = 2, ["PLN"] = 2, ["CZK"] = 2, ["HUF"] = 2, ["RON"] = 2, ["ZAR"] = 2, ["INR"] = 2,
        ["CNY"] = 2, ["HKD"] = 2, ["SGD"] = 2, ["MXN"] = 2, ["BRL"] = 2, ["AED"] = 2, ["ILS"] = 2, ["TRY"] = 2,
        ["JPY"] = 0, ["KRW"] = 0, ["ISK"] = 0, ["CLP"] = 0, ["VND"] = 0,
        ["BHD"] = 3, ["KWD"] = 3, ["OMR"] = 3, ["JOD"] = 3, ["TND"] = 3,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static bool IsKnown(string? currency) => currency is not null && MinorUnits.ContainsKey(currency);

    public static int DecimalsOf(string currency) => MinorUnits[currency];

    /// <summary>Rounded half-up to <paramref name="decimals"/> places and written with exactly that many (2000 → 2000.00).</summary>
    public static decimal InMinorUnits(decimal amount, int decimals) =>
        decimal.Round(amount, decimals, MidpointRounding.AwayFromZero) + new decimal(0, 0, 0, false, (byte)decimals);
}
