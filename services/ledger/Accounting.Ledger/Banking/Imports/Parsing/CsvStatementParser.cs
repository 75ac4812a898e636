using CsvHelper;

namespace Accounting.Ledger.Banking.Imports.Parsing;

/// <summary>
/// A CSV statement, record by record off the stream (CsvHelper). The header is the first of the
/// first <see cref="HeaderSearchDepth"/> records that names the columns of §5.2 (or the user's
/// <c>columns</c>), so a bank's preamble lines (account name, period) above it are skipped.
/// </summary>
internal static class CsvStatementParser
{
    private const int HeaderSearchDepth = 20;

    // A statement record is a few hundred bytes; anything longer is a binary file or an unclosed quote.
    private const int MaxRecordBytes = 64 * 1024;

    public static async Task<List<StatementRow>> ParseAsync(Stream utf8, StatementOptions options, CancellationToken cancellationToken)
    {
        var csvOptions = new CsvReaderOptions { HasHeader = false, MaxRecordSize = MaxRecordBytes };
        await using var csv = CsvReader.Create(utf8, csvOptions, true);
        try
        {
            var layout = await FindHeaderAsync(csv, options.Columns, cancellationToken);
            var dates = new StatementDateFormat.Reader(options.DateFormat);
            var rows = new List<StatementRow>();
            while (await csv.ReadAsync(cancellationToken))
            {
                if (IsBlank(csv))
                {
                    continue;
                }

                if (rows.Count == StatementOptions.MaxRows)
                {
                    throw TooManyRows();
                }

                rows.Add(ReadRow(csv, rows.Count + 1, layout, dates, options.Currency));
            }

            return rows;
        }
        catch (CsvFormatException exception)
        {
            throw new StatementRejectedException(new RowError("file", $"The file is not a readable CSV statement near line {exception.LineNumber}."));
        }
    }

    public static StatementRejectedException TooManyRows() =>
        new(new RowError("file", $"The statement has more than {StatementOptions.MaxRows:N0} rows; split it into smaller files."));

    private static async Task<CsvLayout> FindHeaderAsync(CsvReader csv, CsvColumnMap? map, CancellationToken cancellationToken)
    {
        string[]? first = null;
        for (var record = 0; record < HeaderSearchDepth && await csv.ReadAsync(cancellationToken); record++)
        {
            var fields = Fields(csv);
            first ??= fields;
            if ((map is null ? CsvLayout.Detect(fields) : CsvLayout.FromMap(fields, map)) is { } layout)
            {
                return layout;
            }
        }

        if (map is not null && first is not null)
        {
            throw new StatementRejectedException([.. CsvLayout.Missing(first, map)]);
        }

        throw new StatementRejectedException(new RowError("file", $"This is not a bank statement: no header row with {CsvLayout.Expected} in its first {HeaderSearchDepth} lines."));
    }

    private static StatementRow ReadRow(CsvReader csv, int row, CsvLayout layout, StatementDateFormat.Reader dates, string currency)
    {
        var date = dates.Read(Field(csv, layout.Date), out var error);
        var description = Clean(Field(csv, layout.Description));
        var reference = layout.Reference is { } referenceIndex ? Clean(Field(csv, referenceIndex)) : null;
        var amount = layout.Amount is { } amountIndex
            ? ReadAmount(Field(csv, amountIndex), "amount", currency, ref error)
            : ReadPair(Field(csv, layout.MoneyOut!.Value), Field(csv, layout.MoneyIn!.Value), currency, ref error);
        error ??= RowRules.Check(amount, layout.Amount is null ? (amount < 0 ? "money_out" : "money_in") : "amount", description, reference);
        return new StatementRow(row, date, description, amount, reference, null, error);
    }

    private static decimal? ReadAmount(string text, string field, string currency, ref RowError? error)
    {
        var amount = StatementAmount.Read(text, currency, out var reason);
        if (reason is not null)
        {
            error ??= new RowError(field, reason);
        }

        return amount;
    }

    /// <summary>Money out and money in: one of them carries the row's amount, money out as a negative.</summary>
    private static decimal? ReadPair(string moneyOut, string moneyIn, string currency, ref RowError? error)
    {
        var hasOut = !string.IsNullOrWhiteSpace(moneyOut);
        var hasIn = !string.IsNullOrWhiteSpace(moneyIn);
        if (hasOut == hasIn)
        {
            var outValue = hasOut ? StatementAmount.Read(moneyOut, currency, out _) : null;
            var inValue = hasIn ? StatementAmount.Read(moneyIn, currency, out _) : null;
            // Some banks print 0.00 in the unused column.
            if (outValue == 0 && inValue is not null)
            {
                return ReadAmount(moneyIn, "money_in", currency, ref error);
            }

            if (inValue == 0 && outValue is not null)
            {
                return -Math.Abs(outValue.Value);
            }

            error ??= new RowError("amount", hasOut
                ? "Both money out and money in have a value; a row is one or the other."
                : "Neither money out nor money in has a value.");
            return null;
        }

        return hasOut
            ? ReadAmount(moneyOut, "money_out", currency, ref error) is { } paidOut ? -Math.Abs(paidOut) : null
            : ReadAmount(moneyIn, "money_in", currency, ref error);
    }

    private static string Field(CsvReader csv, int index) => csv.GetString(index);

    private static string? Clean(string text)
    {
        var trimmed = text.Trim();
        return trimmed.Length == 0 ? null : trimmed;
    }

    private static bool IsBlank(CsvReader csv)
    {
        for (var i = 0; i < csv.FieldCount; i++)
        {
            if (!string.IsNullOrWhiteSpace(csv.GetString(i)))
            {
                return false;
            }
        }

        return true;
    }

    private static string[] Fields(CsvReader csv)
    {
        var fields = new string[csv.FieldCount];
        for (var i = 0; i < fields.Length; i++)
        {
            fields[i] = csv.GetString(i);
        }

        return fields;
    }
}
