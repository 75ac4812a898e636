using System.Globalization;
using Accounting.Ledger.Posting;

namespace Accounting.Ledger.Banking.Imports.Parsing;

/// <summary>
/// The date layouts of contract §5.2. A file uses one: the first date that reads in any of the
/// detectable layouts fixes it for the rest, so a file cannot silently mix 03/04 as April and March.
/// MM/DD/YYYY is never detected (it is ambiguous with UK dates); the user names it.
/// </summary>
public sealed class StatementDateFormat
{
    public static readonly StatementDateFormat IsoDate = new("YYYY-MM-DD", ["yyyy-MM-dd"]);
    public static readonly StatementDateFormat DayMonthYear = new("DD/MM/YYYY", ["dd/MM/yyyy", "d/M/yyyy"]);
    public static readonly StatementDateFormat MonthDayYear = new("MM/DD/YYYY", ["MM/dd/yyyy", "M/d/yyyy"]);
    public static readonly StatementDateFormat DayMonthNameYear = new("DD MMM YYYY", ["dd MMM yyyy", "d MMM yyyy", "dd MMMM yyyy", "d MMMM yyyy", "dd-MMM-yyyy", "d-MMM-yyyy"]);

    public static readonly IReadOnlyList<StatementDateFormat> All = [IsoDate, DayMonthYear, MonthDayYear, DayMonthNameYear];

    private static readonly StatementDateFormat[] Detectable = [IsoDate, DayMonthYear, DayMonthNameYear];

    private readonly string[] patterns;

    private StatementDateFormat(string name, string[] patterns)
    {
        Name = name;
        this.patterns = patterns;
    }

    /// <summary>As users write it in <c>date_format</c>: <c>DD/MM/YYYY</c>.</summary>
    public string Name { get; }

    public static StatementDateFormat? Named(string? name) =>
        All.FirstOrDefault(f => string.Equals(f.Name, name?.Trim(), StringComparison.OrdinalIgnoreCase));

    public bool TryParse(string text, out DateOnly date) =>
        DateOnly.TryParseExact(text.Trim(), patterns, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out date)
        && LedgerDates.IsPlausible(date);

    public override string ToString() => Name;

    /// <summary>Reads dates of one file, detecting its layout from the first date that reads unless one was given.</summary>
    public sealed class Reader(StatementDateFormat? given)
    {
        private StatementDateFormat? format = given;

        public DateOnly? Read(string? text, out RowError? error)
        {
            error = null;
            if (string.IsNullOrWhiteSpace(text))
            {
                error = new RowError("date", "The date is missing.");
                return null;
            }

            if (format is null)
            {
                foreach (var candidate in Detectable)
                {
                    if (candidate.TryParse(text, out var detected))
                    {
                        format = candidate;
                        return detected;
                    }
                }

                error = new RowError("date", $"'{text.Trim()}' is not a date in any of the formats YYYY-MM-DD, DD/MM/YYYY or DD MMM YYYY (give date_format for MM/DD/YYYY).");
                return null;
            }

            if (format.TryParse(text, out var date))
            {
                return date;
            }

            error = new RowError("date", $"'{text.Trim()}' is not a date in the file's format {format.Name} (between 1900 and 2200).");
            return null;
        }
    }
}
