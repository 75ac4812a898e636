using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Accounting.Ledger.Tests.Documents;

/// <summary>One part of a hand-built multipart body: hostile names and broken framing cannot be built with MultipartFormDataContent.</summary>
/// <param name="FilenameParameter">The Content-Disposition parameter as sent, e.g. <c>filename="a.pdf"</c> or <c>filename*=UTF-8''a.pdf</c>.</param>
public sealed record Part(string Name, byte[] Content, string? FilenameParameter = null, string? ContentType = null)
{
    public static Part File(byte[] content, string filename = "scan.pdf", string contentType = "application/pdf") =>
        new("file", content, $"filename=\"{filename}\"", contentType);

    public static Part Field(string name, string value) => new(name, Encoding.UTF8.GetBytes(value));
}

public static class DocumentKit
{
    public const string Boundary = "----accounting-test-boundary";
    public const string Uploads = "/api/v1/documents/upload";

    /// <summary>A client of the organisation that may read and write documents too.</summary>
    public static HttpClient Documents(this Organisation organisation) => organisation.ClientWith([.. Organisation.AllScopes, "documents:write"]);

    public static async Task<JsonElement> GetJsonAsync(this HttpClient client, string path, HttpStatusCode expected = HttpStatusCode.OK) =>
        await Api.ExpectAsync(await client.GetAsync(new Uri(path, UriKind.Relative)), expected);

    public static byte[] Sample(string name) => System.IO.File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Documents", "Samples", name));

    public static byte[] Pdf => Sample("invoice.pdf");

    public static byte[] Png => Sample("receipt.png");

    public static byte[] Jpeg => Sample("photo.jpg");

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static byte[] Body(params Part[] parts)
    {
        using var body = new MemoryStream();
        foreach (var part in parts)
        {
            var filename = part.FilenameParameter is null ? "" : "; " + part.FilenameParameter;
            var type = part.ContentType is null ? "" : $"Content-Type: {part.ContentType}\r\n";
            body.Write(Encoding.UTF8.GetBytes($"--{Boundary}\r\nContent-Disposition: form-data; name=\"{part.Name}\"{filename}\r\n{type}\r\n"));
            body.Write(part.Content);
            body.Write("\r\n"u8);
        }

        body.Write(Encoding.UTF8.GetBytes($"--{Boundary}--\r\n"));
        return body.ToArray();
    }

    public static HttpContent Content(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse($"multipart/form-data; boundary={Boundary}");
        return content;
    }

    public static Task<HttpResponseMessage> UploadAsync(this HttpClient client, params Part[] parts) =>
        client.PostAsync(new Uri(Uploads, UriKind.Relative), Content(Body(parts)));

    public static async Task<JsonElement> UploadExpectingAsync(this HttpClient client, HttpStatusCode expected, params Part[] parts) =>
        await Api.ExpectAsync(await client.UploadAsync(parts), expected);

    /// <summary>Rows and stored bytes of the organisation's documents: what a failed upload must leave untouched.</summary>
    public static Task<string> StoredAsync(this Organisation organisation) =>
        organisation.ScalarAsync<string>(
            """
            SELECT (SELECT count(*) FROM documents WHERE organisation_id = @Id) || '/' ||
                   (SELECT count(*) FROM document_chunks c WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.id = c.document_id)) || '/' ||
                   (SELECT count(*) FROM outbox_messages WHERE organisation_id = @Id AND event_type = 'document.uploaded')
            """);
}
