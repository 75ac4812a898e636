using System.Text.RegularExpressions;

namespace Accounting.Auth.Settings;

/// <summary>
/// UK VAT registration numbers as HMRC issues them (VAT Notice 700/1 and HMRC's check-digit
/// specification): <c>GB</c> + 9 digits whose last two are check digits, <c>GB</c> + 12 digits
/// (a branch: the first 9 must pass the same check), or <c>GBGD</c> + 000–499 (government
/// departments) and <c>GBHA</c> + 500–999 (health authorities), which carry no check digits.
/// </summary>
public static partial class UkVatNumber
{
    /// <summary>Upper case without the spaces people write it with: "gb 980 7806 84" → "GB980780684".</summary>
    public static string Normalise(string number)
    {
        ArgumentNullException.ThrowIfNull(number);
        return string.Concat(number.Where(c => !char.IsWhiteSpace(c))).ToUpperInvariant();
    }

    /// <summary>Whether the normalised <paramref name="number"/> is well formed and its check digits agree.</summary>
    public static bool IsValid(string number)
    {
        ArgumentNullException.ThrowIfNull(number);
        if (GovernmentOrHealth().Match(number) is { Success: true } match)
        {
            var body = int.Parse(match.Groups["number"].ValueSpan, System.Globalization.CultureInfo.InvariantCulture);
            return match.Groups["kind"].Value == "GD" ? body <= 499 : body >= 500;
        }

        return StandardOrBranch().IsMatch(number) && HasValidCheckDigits(number.AsSpan(2, 9));
    }

    /// <summary>
    /// The first seven digits weighted 8…2, plus the two check digits as a number: a total that is
    /// 0 mod 97 is the original series. Numbers issued since 2009 from 100 0000 00 up use
    /// "97-55": 55 is added to the total first, so the total is 42 mod 97 (97 − 55).
    /// </summary>
    public static bool HasValidCheckDigits(ReadOnlySpan<char> nineDigits)
    {
        var total = 0;
        for (var i = 0; i < 7; i++)
        {
            total += (nineDigits[i] - '0') * (8 - i);
        }

        total += ((nineDigits[7] - '0') * 10) + (nineDigits[8] - '0');
        var remainder = total % 97;
        return remainder == 0 || (remainder == 42 && nineDigits[0] != '0');
    }

    [GeneratedRegex("^GB(?:[0-9]{9}|[0-9]{12})$", RegexOptions.CultureInvariant)]
    private static partial Regex StandardOrBranch();

    [GeneratedRegex("^GB(?<kind>GD|HA)(?<number>[0-9]{3})$", RegexOptions.CultureInvariant)]
    private static partial Regex GovernmentOrHealth();
}
