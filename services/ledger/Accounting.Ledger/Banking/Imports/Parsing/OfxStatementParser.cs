using System.Globalization;
using System.Net;
using System.Text;

namespace Accounting.Ledger.Banking.Imports.Parsing;

/// <summary>
/// OFX 1.x (SGML, leaf elements left unclosed) and 2.x (XML) alike, read as a stream of tags and
/// text: a leaf's value is the text after its start tag, closed or not, so one reader serves both
/// versions. Only <c>STMTTRN</c> aggregates matter; a file that ends before <c>&lt;/OFX&gt;</c> is
/// truncated and refused whole rather than half-imported.
/// </summary>
internal static class OfxStatementParser
{
    private const int MaxTokenLength = 4 * 1024;
    private static readonly string[] Fields = ["DTPOSTED", "TRNAMT", "NAME", "MEMO", "REFNUM", "CHECKNUM", "FITID"];

    public static async Task<List<StatementRow>> ParseAsync(Stream utf8, StatementOptions options, CancellationToken cancellationToken)
    {
        using var text = new StreamReader(utf8, Encoding.UTF8, false, 16 * 1024, leaveOpen: true);
        var tokens = new OfxTokenizer(text);
        var rows = new List<StatementRow>();
        Dictionary<string, string>? transaction = null;
        string? leaf = null;
        var (sawOfx, closedOfx) = (false, false);
        while (await tokens.NextAsync(cancellationToken) is { } token)
        {
            if (token.Kind == OfxTokenKind.Text)
            {
                if (transaction is not null && leaf is not null && Array.IndexOf(Fields, leaf) >= 0)
                {
                    transaction.TryAdd(leaf, token.Value);
                }

                leaf = null;
                continue;
            }

            var name = token.Value;
            var opens = token.Kind == OfxTokenKind.Open;
            leaf = opens ? name : null;
            switch (name)
            {
                case "OFX":
                    sawOfx |= opens;
                    closedOfx |= !opens;
                    break;
                case "STMTTRN" when opens:
                    if (transaction is not null)
                    {
                        throw Truncated("a transaction is not closed before the next one starts");
                    }

                    transaction = new Dictionary<string, string>(StringComparer.Ordinal);
                    break;
                case "STMTTRN" when transaction is not null:
                    if (rows.Count == StatementOptions.MaxRows)
                    {
                        throw CsvStatementParser.TooManyRows();
                    }

                    rows.Add(ReadRow(rows.Count + 1, transaction, options.Currency));
                    transaction = null;
                    break;
            }
        }

        if (!sawOfx)
        {
            throw new StatementRejectedException(new RowError("file", "This is not an OFX bank statement: it has no <OFX> element."));
        }

        if (transaction is not null || !closedOfx)
        {
            throw Truncated("it ends before </OFX>");
        }

        return rows;
    }

    private static StatementRejectedException Truncated(string why) =>
        new(new RowError("file", $"The OFX file is truncated or malformed: {why}. Export the statement again."));

    private static StatementRow ReadRow(int row, Dictionary<string, string> fields, string currency)
    {
        RowError? error = null;
        var date = ReadDate(fields.GetValueOrDefault("DTPOSTED"), ref error);
        var amount = StatementAmount.Read(OfxDecimal(fields.GetValueOrDefault("TRNAMT")), currency, out var reason);
        if (reason is not null)
        {
            error ??= new RowError("amount", reason);
        }

        var name = fields.GetValueOrDefault("NAME");
        var memo = fields.GetValueOrDefault("MEMO");
        var description = (name, memo) switch
        {
            ({ } n, { } m) => $"{n} — {m}",
            ({ } n, _) => n,
            (null, { } m) => m,
            _ => null,
        };
        if (description is null)
        {
            error ??= new RowError("description", "The transaction has neither NAME nor MEMO.");
        }

        var reference = fields.GetValueOrDefault("REFNUM") ?? fields.GetValueOrDefault("CHECKNUM");
        error ??= RowRules.Check(amount, "amount", description, reference);
        return new StatementRow(row, date, description, amount, reference, fields.GetValueOrDefault("FITID"), error);
    }

    /// <summary>OFX dates are <c>YYYYMMDD</c>, optionally followed by a time and zone, which a bank statement's date does not need.</summary>
    private static DateOnly? ReadDate(string? text, ref RowError? error)
    {
        if (text is { Length: >= 8 } && DateOnly.TryParseExact(text.AsSpan(0, 8), "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            && Posting.LedgerDates.IsPlausible(date))
        {
            return date;
        }

        error ??= new RowError("date", text is null ? "The transaction has no DTPOSTED." : $"DTPOSTED '{text}' is not an OFX date (YYYYMMDD…).");
        return null;
    }

    // OFX allows a comma as the decimal point; it has no thousands separators.
    private static string? OfxDecimal(string? text) => text is not null && text.Contains(',', StringComparison.Ordinal) && !text.Contains('.', StringComparison.Ordinal)
        ? text.Replace(',', '.')
        : text;

    private enum OfxTokenKind
    {
        Open,
        Close,
        Text,
    }

    private readonly record struct OfxToken(OfxTokenKind Kind, string Value);

    /// <summary>Tags and the text between them; processing instructions, comments and the 1.x header lines are skipped.</summary>
    private sealed class OfxTokenizer(TextReader reader)
    {
        private readonly char[] buffer = new char[16 * 1024];
        private readonly StringBuilder token = new();
        private int position;
        private int length;
        private bool sawTag;

        public async ValueTask<OfxToken?> NextAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                if (await PeekAsync(cancellationToken) is not { } next)
                {
                    return null;
                }

                if (next != '<')
                {
                    var text = (await ReadUntilAsync('<', cancellationToken)).Trim();
                    // Before the first tag is the OFX 1.x header (OFXHEADER:100…), not content.
                    if (text.Length > 0 && sawTag)
                    {
                        return new OfxToken(OfxTokenKind.Text, WebUtility.HtmlDecode(text));
                    }

                    continue;
                }

                position++;
                var tag = await ReadUntilAsync('>', cancellationToken);
                if (await PeekAsync(cancellationToken) is null)
                {
                    // A tag cut off by the end of the file: the caller finds the statement unclosed.
                    return null;
                }

                position++;
                if (tag.StartsWith('?') || tag.StartsWith('!'))
                {
                    continue;
                }

                sawTag = true;
                var closing = tag.StartsWith('/');
                var name = tag.Trim('/', ' ').Split(' ', 2)[0].ToUpperInvariant();
                return new OfxToken(closing ? OfxTokenKind.Close : OfxTokenKind.Open, name);
            }
        }

        private async ValueTask<char?> PeekAsync(CancellationToken cancellationToken)
        {
            if (position == length)
            {
                length = await reader.ReadAsync(buffer.AsMemory(), cancellationToken);
                position = 0;
            }

            return length == 0 ? null : buffer[position];
        }

        private async ValueTask<string> ReadUntilAsync(char stop, CancellationToken cancellationToken)
        {
            token.Clear();
            while (await PeekAsync(cancellationToken) is { } c && c != stop)
            {
                if (token.Length == MaxTokenLength)
                {
                    throw new StatementRejectedException(new RowError("file", "This is not a bank statement: it has text far longer than any statement field."));
                }

                var end = Array.IndexOf(buffer, stop, position, length - position);
                var take = Math.Min((end < 0 ? length : end) - position, MaxTokenLength - token.Length);
                token.Append(buffer, position, take);
                position += take;
            }

            return token.ToString();
        }
    }
}
