using System.Globalization;
using System.Text;

namespace Accounting.Ledger.Documents;

/// <summary>
/// File names as clients send them are hostile until proven otherwise: paths, control
/// characters, quotes that would end a header's quoted string, names of any length.
/// </summary>
public static class DocumentFileNames
{
    public const int MaxLength = 255;

    /// <summary>The name to keep: its last path segment, without control characters, at most <see cref="MaxLength"/> characters.</summary>
    public static string Clean(string? sent, DocumentContent content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var name = sent ?? "";
        name = name[(name.LastIndexOfAny(['/', '\\']) + 1)..];
        var kept = new StringBuilder(Math.Min(name.Length, MaxLength));
        var elements = StringInfo.GetTextElementEnumerator(name);
        while (elements.MoveNext())
        {
            var element = elements.GetTextElement();
            if (element.Any(char.IsControl))
            {
                continue;
            }

            if (kept.Length + element.Length > MaxLength)
            {
                break;
            }

            kept.Append(element);
        }

        var cleaned = kept.ToString().Trim().Trim('.');
        return cleaned.Length == 0 ? "document" + content.Extension : cleaned;
    }

    /// <summary>
    /// <c>attachment; filename="…"</c> with an ASCII stand-in that cannot break out of the quotes,
    /// plus RFC 5987's <c>filename*</c> carrying the real name when it is not plain ASCII.
    /// </summary>
    public static string ContentDisposition(string filename)
    {
        ArgumentNullException.ThrowIfNull(filename);
        var ascii = new StringBuilder(filename.Length);
        var plain = true;
        foreach (var c in filename)
        {
            var safe = c is >= ' ' and <= '~' and not ('"' or '\\' or '/');
            plain &= safe;
            ascii.Append(safe ? c : '_');
        }

        return plain
            ? $"attachment; filename=\"{ascii}\""
            : $"attachment; filename=\"{ascii}\"; filename*=UTF-8''{Rfc5987(filename)}";
    }

    private static string Rfc5987(string value)
    {
        var encoded = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || "!#$&+-.^_`|~".Contains(c, StringComparison.Ordinal))
            {
                encoded.Append(c);
            }
            else
            {
                encoded.Append(CultureInfo.InvariantCulture, $"%{b:X2}");
            }
        }

        return encoded.ToString();
    }
}
