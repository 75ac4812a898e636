namespace Accounting.Ledger.Banking.Imports.Parsing;

/// <summary>
/// Where a statement's fields are in a CSV record, found from its header row: the column names of
/// contract §5.2, compared case-insensitively and ignoring a currency note such as <c>Paid out (£)</c>.
/// </summary>
internal sealed record CsvLayout(int Date, int Description, int? Amount, int? MoneyOut, int? MoneyIn, int? Reference)
{
    private static readonly string[] DateNames = ["date", "transaction date", "posted date"];
    private static readonly string[] DescriptionNames = ["description", "details", "narrative", "memo", "payee"];
    private static readonly (string Out, string In)[] MoneyPairs = [("paid out", "paid in"), ("debit", "credit"), ("money out", "money in")];

    public const string Expected =
        "a date column (Date, Transaction Date or Posted Date), a description column (Description, Details, Narrative, Memo or Payee) " +
        "and an Amount column or a pair of Paid out/Paid in, Debit/Credit or Money out/Money in columns";

    /// <summary>The layout when <paramref name="header"/> is a statement's header row, by the names of §5.2.</summary>
    public static CsvLayout? Detect(IReadOnlyList<string> header)
    {
        var names = header.Select(Normalise).ToArray();
        var date = First(names, DateNames);
        var description = First(names, DescriptionNames);
        var amount = First(names, ["amount"]);
        var reference = First(names, ["reference"]);
        if (date is null || description is null)
        {
            return null;
        }

        if (amount is not null)
        {
            return new CsvLayout(date.Value, description.Value, amount, null, null, reference);
        }

        foreach (var (moneyOut, moneyIn) in MoneyPairs)
        {
            if (First(names, [moneyOut]) is { } outIndex && First(names, [moneyIn]) is { } inIndex)
            {
                return new CsvLayout(date.Value, description.Value, null, outIndex, inIndex, reference);
            }
        }

        return null;
    }

    /// <summary>The layout the user's <c>columns</c> names, when <paramref name="header"/> has every one of them.</summary>
    public static CsvLayout? FromMap(IReadOnlyList<string> header, CsvColumnMap map)
    {
        var names = header.Select(Normalise).ToArray();
        int? Find(string? name) => name is null ? null : First(names, [Normalise(name)]);
        var date = Find(map.Date);
        var description = Find(map.Description);
        var amount = Find(map.Amount);
        var moneyOut = Find(map.MoneyOut);
        var moneyIn = Find(map.MoneyIn);
        var reference = Find(map.Reference);
        var complete = date is not null && description is not null
            && (map.Reference is null || reference is not null)
            && (map.Amount is not null ? amount is not null : moneyOut is not null && moneyIn is not null);
        return complete ? new CsvLayout(date!.Value, description!.Value, amount, moneyOut, moneyIn, reference) : null;
    }

    /// <summary>The <c>columns</c> entries that <paramref name="header"/> lacks, for the 422 when no row has them all.</summary>
    public static IEnumerable<RowError> Missing(IReadOnlyList<string> header, CsvColumnMap map)
    {
        var names = header.Select(Normalise).ToHashSet(StringComparer.Ordinal);
        (string Key, string? Name)[] wanted =
            [("date", map.Date), ("description", map.Description), ("amount", map.Amount), ("money_out", map.MoneyOut), ("money_in", map.MoneyIn), ("reference", map.Reference)];
        return wanted.Where(w => w.Name is not null && !names.Contains(Normalise(w.Name)))
            .Select(w => new RowError($"columns.{w.Key}", $"The file has no column named '{w.Name}'."));
    }

    private static int? First(string[] names, string[] wanted)
    {
        foreach (var name in wanted)
        {
            var index = Array.IndexOf(names, name);
            if (index >= 0)
            {
                return index;
            }
        }

        return null;
    }

    private static string Normalise(string name)
    {
        var trimmed = name.Trim().Trim('"').Trim();
        foreach (var note in new[] { "(£)", "(gbp)", "(eur)", "(usd)" })
        {
            if (trimmed.EndsWith(note, StringComparison.OrdinalIgnoreCase))
            {
                trimmed = trimmed[..^note.Length].TrimEnd();
            }
        }

        return string.Join(' ', trimmed.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToLowerInvariant();
    }
}
