using System.Text;

namespace Accounting.Webhooks.Dispatch;

/// <summary>
/// Receiver-supplied text made safe to keep in a PostgreSQL <c>text</c> column, which takes only
/// valid UTF-8 without NUL: invalid sequences and NUL become U+FFFD, and a character the cap cut in
/// two is left out rather than garbled. An excerpt the database refused would fail the attempt's
/// recording and have the delivery retried for ever.
/// </summary>
public static class ResponseExcerpt
{
    private const char Replacement = '\uFFFD';

    /// <summary>The text of a body's first bytes; <paramref name="capped"/> when the body may go on past them.</summary>
    public static string Decode(ReadOnlySpan<byte> bytes, bool capped)
    {
        var decoder = Encoding.UTF8.GetDecoder();
        var chars = new char[Encoding.UTF8.GetMaxCharCount(bytes.Length)];
        // Without a flush, a sequence still incomplete at the end is held back instead of replaced.
        decoder.Convert(bytes, chars, flush: !capped, out _, out var written, out _);
        return Storable(new string(chars, 0, written))!;
    }

    /// <summary><paramref name="text"/> with every NUL and unpaired surrogate (which UTF-8 cannot encode) replaced.</summary>
    public static string? Storable(string? text) =>
        text is null ? null : Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text)).Replace('\0', Replacement);
}
