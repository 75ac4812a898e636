using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Accounting.Ledger.Tests.Documents;

public sealed class DocumentContentTests(LedgerFactory factory) : IClassFixture<LedgerFactory>
{
    [Fact]
    public async Task Content_comes_back_exactly_with_its_detected_type_and_headers_no_browser_can_be_tricked_by()
    {
        using var org = await Organisation.CreateAsync(factory);
        using var docs = org.Documents();
        var document = await docs.UploadExpectingAsync(HttpStatusCode.Created, Part.File(DocumentKit.Jpeg, "photo.jpg", "text/html"));

        using var response = await docs.GetAsync(new Uri($"/api/v1/documents/{document.Id()}/content", UriKind.Relative));
        var bytes = await response.Content.ReadAsByteArrayAsync();

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        DocumentKit.Sha256(bytes).ShouldBe(DocumentKit.Sha256(DocumentKit.Jpeg));
        response.Content.Headers.ContentType!.MediaType.ShouldBe("image/jpeg");
        response.Content.Headers.ContentLength.ShouldBe(DocumentKit.Jpeg.Length);
        response.Content.Headers.GetValues("Content-Disposition").ShouldBe(["attachment; filename=\"photo.jpg\""]);
        response.Headers.GetValues("X-Content-Type-Options").ShouldBe(["nosniff"]);
        response.Headers.ETag!.Tag.ShouldBe($"\"{DocumentKit.Sha256(DocumentKit.Jpeg)}\"");
    }

    [Fact]
    public async Task A_client_holding_the_current_etag_gets_a_304_without_the_bytes()
    {
        using var org = await Organisation.CreateAsync(factory);
        using var docs = org.Documents();
        var document = await docs.UploadExpectingAsync(HttpStatusCode.Created, Part.File(DocumentKit.Pdf));
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/documents/{document.Id()}/content");
        request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue($"\"{document.Text("sha256")}\""));
        using var stale = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/documents/{document.Id()}/content");
        stale.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"0000\""));

        using var notModified = await docs.SendAsync(request);
        using var fresh = await docs.SendAsync(stale);

        notModified.StatusCode.ShouldBe(HttpStatusCode.NotModified);
        (await notModified.Content.ReadAsByteArrayAsync()).ShouldBeEmpty();
        notModified.Headers.ETag!.Tag.ShouldBe($"\"{document.Text("sha256")}\"");
        fresh.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await fresh.Content.ReadAsByteArrayAsync()).ShouldBe(DocumentKit.Pdf);
    }

    [Theory]
    [InlineData("filename=\"in\\\"voice\\\".pdf\"", "in\"voice\".pdf", "attachment; filename=\"in_voice_.pdf\"; filename*=UTF-8''in%22voice%22.pdf")]
    [InlineData("filename=\"../../etc/passwd.pdf\"", "passwd.pdf", "attachment; filename=\"passwd.pdf\"")]
    [InlineData("filename=\"C:\\\\Users\\\\me\\\\scan.pdf\"", "scan.pdf", "attachment; filename=\"scan.pdf\"")]
    [InlineData("filename*=UTF-8''evil%0D%0ASet-Cookie%3A%20a%3Db.pdf", "evilSet-Cookie: a=b.pdf", "attachment; filename=\"evilSet-Cookie: a=b.pdf\"")]
    [InlineData("filename*=UTF-8''Re%C3%A7u%20caf%C3%A9.pdf", "Reçu café.pdf", "attachment; filename=\"Re_u caf_.pdf\"; filename*=UTF-8''Re%C3%A7u%20caf%C3%A9.pdf")]
    [InlineData("filename=\"\"", "document.pdf", "attachment; filename=\"document.pdf\"")]
    public async Task A_hostile_file_name_is_kept_harmless_and_sent_back_safely(string sent, string stored, string disposition)
    {
        using var org = await Organisation.CreateAsync(factory);
        using var docs = org.Documents();

        var document = await docs.UploadExpectingAsync(HttpStatusCode.Created, new Part("file", DocumentKit.Pdf, sent));
        using var response = await docs.GetAsync(new Uri($"/api/v1/documents/{document.Id()}/content", UriKind.Relative));

        document.Text("filename").ShouldBe(stored);
        response.Content.Headers.GetValues("Content-Disposition").ShouldBe([disposition]);
    }

    [Fact]
    public async Task A_thousand_character_file_name_is_cut_to_255()
    {
        using var org = await Organisation.CreateAsync(factory);
        using var docs = org.Documents();

        var document = await docs.UploadExpectingAsync(HttpStatusCode.Created, Part.File(DocumentKit.Pdf, new string('a', 996) + ".pdf"));

        document.Text("filename").ShouldBe(new string('a', 255));
    }

    [Fact]
    public async Task The_list_filters_by_link_and_content_type_newest_first()
    {
        using var org = await Organisation.CreateAsync(factory);
        using var docs = org.Documents();
        var invoice = (await org.CreateInvoiceAsync(await org.CreateContactAsync())).Id();
        var pdf = (await docs.UploadExpectingAsync(HttpStatusCode.Created, Part.File(DocumentKit.Pdf))).Id();
        var linkedPng = (await docs.UploadExpectingAsync(HttpStatusCode.Created,
            Part.File(DocumentKit.Png, "r.png"), Part.Field("linked_type", "invoice"), Part.Field("linked_id", invoice))).Id();
        var jpeg = (await docs.UploadExpectingAsync(HttpStatusCode.Created, Part.File(DocumentKit.Jpeg, "p.jpg"))).Id();

        Ids(await docs.GetJsonAsync("/api/v1/documents")).ShouldBe([jpeg, linkedPng, pdf]);
        Ids(await docs.GetJsonAsync($"/api/v1/documents?linked_id={invoice}")).ShouldBe([linkedPng]);
        Ids(await docs.GetJsonAsync("/api/v1/documents?linked_type=invoice")).ShouldBe([linkedPng]);
        Ids(await docs.GetJsonAsync("/api/v1/documents?content_type=application/pdf")).ShouldBe([pdf]);
        Ids(await docs.GetJsonAsync("/api/v1/documents?limit=1&offset=1")).ShouldBe([linkedPng]);
        (await docs.GetJsonAsync("/api/v1/documents?limit=1")).GetProperty("pagination").GetProperty("total").GetInt64().ShouldBe(3);
    }

    [Theory]
    [InlineData("content_type=text/html", "content_type")]
    [InlineData("linked_type=contact", "linked_type")]
    [InlineData("linked_id=inv_missing", "linked_id")]
    [InlineData("linked_id=ct_123", "linked_id")]
    [InlineData("filename=a.pdf", "filename")]
    public async Task An_unknown_filter_or_value_is_a_422_naming_it(string query, string field)
    {
        using var org = await Organisation.CreateAsync(factory);
        using var docs = org.Documents();

        var error = await docs.GetJsonAsync($"/api/v1/documents?{query}", HttpStatusCode.UnprocessableEntity);

        error.ErrorFields().ShouldBe([field]);
    }

    [Fact]
    public async Task Deleting_a_document_removes_its_row_and_its_bytes()
    {
        using var org = await Organisation.CreateAsync(factory);
        using var docs = org.Documents();
        var id = (await docs.UploadExpectingAsync(HttpStatusCode.Created, Part.File(DocumentKit.Pdf))).Id();

        using var deleted = await docs.DeleteAsync(new Uri($"/api/v1/documents/{id}", UriKind.Relative));

        deleted.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await docs.GetJsonAsync($"/api/v1/documents/{id}", HttpStatusCode.NotFound)).ErrorCode().ShouldBe("not_found");
        (await docs.GetJsonAsync($"/api/v1/documents/{id}/content", HttpStatusCode.NotFound)).ErrorCode().ShouldBe("not_found");
        (await org.ScalarAsync<long>($"SELECT count(*) FROM document_chunks WHERE document_id = '{id}'")).ShouldBe(0);
    }

    [Fact]
    public async Task Another_organisations_document_is_a_404_on_every_endpoint_and_is_never_listed_or_linked()
    {
        using var owner = await Organisation.CreateAsync(factory);
        using var intruder = await Organisation.CreateAsync(factory);
        using var ownerDocs = owner.Documents();
        using var intruderDocs = intruder.Documents();
        var id = (await ownerDocs.UploadExpectingAsync(HttpStatusCode.Created, Part.File(DocumentKit.Pdf))).Id();

        foreach (var (method, path) in new[] { ("GET", $"/api/v1/documents/{id}"), ("GET", $"/api/v1/documents/{id}/content"), ("DELETE", $"/api/v1/documents/{id}") })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            var error = await Api.ExpectAsync(await intruderDocs.SendAsync(request), HttpStatusCode.NotFound);
            error.ErrorCode().ShouldBe("not_found", $"{method} {path}");
        }

        (await intruderDocs.GetJsonAsync("/api/v1/documents")).GetProperty("data").GetArrayLength().ShouldBe(0);
        (await ownerDocs.GetAsync(new Uri($"/api/v1/documents/{id}/content", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Reading_documents_needs_the_documents_read_scope()
    {
        using var org = await Organisation.CreateAsync(factory);
        using var client = org.ClientWith("invoices:read");

        (await client.GetJsonAsync("/api/v1/documents", HttpStatusCode.Forbidden)).ErrorCode().ShouldBe("insufficient_scope");
        Encoding.ASCII.GetString(DocumentKit.Pdf.AsSpan(0, 5)).ShouldBe("%PDF-");
    }

    private static IReadOnlyList<string> Ids(System.Text.Json.JsonElement page) => [.. page.GetProperty("data").EnumerateArray().Select(d => d.Id())];
}
