namespace Accounting.Ledger.Documents;

/// <summary>
/// The file types documents may have, told apart by their first bytes only: a declared
/// Content-Type or a file name is whatever the client says, the bytes are what a viewer opens.
/// </summary>
public sealed record DocumentContent(string ContentType, string Extension, byte[] Signature)
{
    public static readonly DocumentContent Pdf = new("application/pdf", ".pdf", "%PDF-"u8.ToArray());
    public static readonly DocumentContent Png = new("image/png", ".png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
    public static readonly DocumentContent Jpeg = new("image/jpeg", ".jpg", [0xFF, 0xD8, 0xFF]);

    public static IReadOnlyList<DocumentContent> All { get; } = [Pdf, Png, Jpeg];

    /// <summary>The most bytes <see cref="Detect"/> needs to look at.</summary>
    public static int SignatureLength { get; } = All.Max(c => c.Signature.Length);

    public static string[] ContentTypes { get; } = [.. All.Select(c => c.ContentType)];

    public static DocumentContent? Detect(ReadOnlySpan<byte> header)
    {
        foreach (var content in All)
        {
            if (header.StartsWith(content.Signature))
            {
                return content;
            }
        }

        return null;
    }
}
