namespace Accounting.Ledger.Banking.Imports.Parsing;

/// <summary>
/// Reads a bank statement from a stream, row by row: the format from its first bytes (OFX starts
/// with its header, an XML declaration or <c>&lt;OFX&gt;</c>; anything else is tried as CSV), the
/// encoding as <see cref="StatementTextStream"/> finds it. No HTTP, no SQL.
/// </summary>
public static class StatementReader
{
    private const int SniffBytes = 512;

    public static async Task<ParsedStatement> ReadAsync(Stream file, StatementOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        await using var text = new StatementTextStream(file);
        var format = IsOfx((await text.PeekAsync(SniffBytes, cancellationToken)).Span) ? StatementFormat.Ofx : StatementFormat.Csv;
        try
        {
            var rows = format == StatementFormat.Ofx
                ? await OfxStatementParser.ParseAsync(text, options, cancellationToken)
                : await CsvStatementParser.ParseAsync(text, options, cancellationToken);
            return rows.Count == 0
                ? ParsedStatement.Rejected(format, new RowError("file", "The statement has no transactions."))
                : new ParsedStatement(format, rows, []);
        }
        catch (StatementRejectedException rejected)
        {
            return ParsedStatement.Rejected(format, [.. rejected.Problems]);
        }
    }

    private static bool IsOfx(ReadOnlySpan<byte> start)
    {
        var content = start.TrimStart(" \t\r\n"u8);
        return content.StartsWith("OFXHEADER"u8) || content.StartsWith("<?xml"u8) || StartsWithIgnoringCase(content, "<OFX"u8);
    }

    private static bool StartsWithIgnoringCase(ReadOnlySpan<byte> content, ReadOnlySpan<byte> prefix) =>
        content.Length >= prefix.Length && System.Text.Ascii.EqualsIgnoreCase(content[..prefix.Length], prefix);
}
