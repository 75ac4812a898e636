using System.Globalization;
using Accounting.Ledger.Posting;

namespace Accounting.Ledger.Banking.Imports.Parsing;

/// <summary>
/// Amounts as UK banks print them: <c>-1,234.56</c>, <c>£1,234.56</c>, <c>-£12.00</c>, <c>(12.00)</c>
/// for money out, and never more decimals than the bank account's currency has.
/// </summary>
public static class StatementAmount
{
    private const NumberStyles Style = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowThousands;

    /// <summary>Reads <paramref name="text"/>; null with <paramref name="reason"/> when it is not an amount of <paramref name="currency"/>.</summary>
    public static decimal? Read(string? text, string currency, out string? reason)
    {
        reason = null;
        var value = text.AsSpan().Trim();
        if (value.IsEmpty)
        {
            reason = "The amount is missing.";
            return null;
        }

        var negative = false;
        if (value[0] == '(' && value[^1] == ')')
        {
            negative = true;
            value = value[1..^1].Trim();
        }

        Span<char> cleaned = stackalloc char[Math.Min(value.Length, 64)];
        var length = 0;
        foreach (var c in value)
        {
            if (c is '£' or '$' or '€' or ' ' or '\u00A0')
            {
                continue;
            }

            if (length == cleaned.Length)
            {
                reason = $"'{text!.Trim()}' is not an amount.";
                return null;
            }

            cleaned[length++] = c;
        }

        var digits = cleaned[..length];
        if (digits.EndsWith(currency, StringComparison.OrdinalIgnoreCase))
        {
            digits = digits[..^currency.Length];
        }

        if (!decimal.TryParse(digits, Style, CultureInfo.InvariantCulture, out var amount) || (negative && amount < 0))
        {
            reason = $"'{text!.Trim()}' is not an amount.";
            return null;
        }

        amount = negative ? -amount : amount;
        if (Math.Abs(amount) >= Money.Limit)
        {
            reason = $"'{text!.Trim()}' is too large an amount.";
            return null;
        }

        if (!Money.FitsCurrency(amount, currency))
        {
            reason = $"'{text!.Trim()}' has more decimals than {currency} allows ({Money.DecimalsOf(currency)}).";
            return null;
        }

        return amount;
    }
}
