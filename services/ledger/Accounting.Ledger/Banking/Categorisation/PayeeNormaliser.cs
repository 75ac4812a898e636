using System.Text;
using System.Text.RegularExpressions;

namespace Accounting.Ledger.Banking.Categorisation;

/// <summary>
/// Reduces a bank statement description to the payee as a person would name it: the same shop
/// paid by card, contactless or direct debit on different days gives the same text, because
/// what varies (card numbers, dates, references, the payment network's wording) is removed.
/// </summary>
public static partial class PayeeNormaliser
{
    // What UK banks prepend or append to say how money moved; it says nothing about who was paid.
    private static readonly HashSet<string> NetworkNoise = new(StringComparer.Ordinal)
    {
        "CARD", "PAYMENT", "PAYMENTS", "PURCHASE", "TO", "FROM", "ON", "AT", "VIA", "CONTACTLESS", "CNTLESS", "DD", "DDR", "DIRECT", "DEBIT",
        "FPO", "FPI", "FP", "FASTER", "BGC", "BACS", "SO", "STO", "STANDING", "ORDER", "VIS", "VISA", "VISADEBIT", "MASTERCARD", "MC", "POS", "DEB", "DPC",
        "TFR", "TRF", "TRANSFER", "OB", "CHQ", "CPT", "ATM", "REF", "REFERENCE", "GB", "GBR", "UK", "GBP", "APPLEPAY", "GOOGLEPAY",
        "LTD", "LIMITED", "PLC", "LLP", "INC", "CO", "COM", "WWW", "THE", "AND", "OF", "IRL", "LU", "IE", "NL", "US", "USA", "CD", "CR", "DR", "RECEIVED",
        "SENT", "MOBILE",
    };

    private static readonly HashSet<string> Months = new(StringComparer.Ordinal)
    {
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "SEPT", "OCT", "NOV", "DEC",
    };

    /// <summary>The payee's words in capitals, separated by single spaces; empty when nothing identifies a payee.</summary>
    public static string Normalise(string description)
    {
        ArgumentNullException.ThrowIfNull(description);
        var text = description.ToUpperInvariant();
        text = MaskedCardNumber().Replace(text, " ");
        text = Dates().Replace(text, " ");
        text = Amounts().Replace(text, " ");
        text = WebSuffixes().Replace(text, " ");
        text = NonWord().Replace(text, " ");
        var kept = new StringBuilder(text.Length);
        foreach (var token in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (IsNoise(token))
            {
                continue;
            }

            kept.Append(kept.Length == 0 ? "" : " ").Append(token);
        }

        return kept.ToString();
    }

    /// <summary>The distinct words of a normalised payee.</summary>
    public static string[] Tokens(string normalised) => [.. normalised.Split(' ', StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal)];

    // Reference numbers, store numbers and dates glued to letters ("12MAR", "INV0042") carry digits;
    // a payee's name rarely does, and the few that do ("O2", "3M") keep a letter-majority.
    private static bool IsNoise(string token)
    {
        if (NetworkNoise.Contains(token) || Months.Contains(token) || token.Length == 1)
        {
            return true;
        }

        var digits = token.Count(char.IsAsciiDigit);
        return digits > 0 && (digits >= 2 || digits * 2 >= token.Length);
    }

    [GeneratedRegex(@"(?:[X*]{2,}\s*\d{2,4})|(?:\b\d{4}\s*[X*]{4,}\s*[X*\d]*)|(?:\bCARD\s+(?:NO\.?\s*)?\d{4}\b)")]
    private static partial Regex MaskedCardNumber();

    [GeneratedRegex(@"\b\d{1,2}[/.\-]\d{1,2}(?:[/.\-]\d{2,4})?\b|\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}\s?(?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)[A-Z]*(?:\s?\d{2,4})?\b")]
    private static partial Regex Dates();

    [GeneratedRegex(@"(?:£|\bGBP|\bEUR|\bUSD|€|\$)\s?\d[\d,]*(?:\.\d+)?|\b\d[\d,]*\.\d{2}\b")]
    private static partial Regex Amounts();

    [GeneratedRegex(@"\.(?:CO\.UK|COM|ORG|NET|IO|UK|GOV\.UK|INFO)\b|\bHTTPS?://|@\S+")]
    private static partial Regex WebSuffixes();

    [GeneratedRegex(@"[^A-Z0-9&]+")]
    private static partial Regex NonWord();
}
