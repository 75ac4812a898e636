using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Accounting.Ledger.Tests.Banking;

namespace Accounting.Ledger.Tests.Documents;

public sealed class DocumentUploadTests(LedgerFactory factory) : IClassFixture<LedgerFactory>
{
    public static TheoryData<string, string> Samples => new()
    {
        { "invoice.pdf", "application/pdf" },
        { "receipt.png", "image/png" },
        { "photo.jpg", "image/jpeg" },
    };

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task A_real_file_is_stored_with_its_detected_type_size_and_hash_and_announced(string sample, string contentType)
    {
        using var org = await Organisation.CreateAsync(factory);
        using var docs = org.Documents();
        var bytes = DocumentKit.Sample(sample);

        var document = await docs.UploadExpectingAsync(HttpStatusCode.Created, Part.File(bytes, sample, "application/octet-stream"));

        document.Id().ShouldStartWith("doc_");
        (document.Text("filename"), document.Text("content_type"), document.GetProperty("size").GetInt64(), document.Text("sha256"))
            .ShouldBe((sample, contentType, bytes.LongLength, DocumentKit.Sha256(bytes)));
        (await docs.GetJsonAsync($"/api/v1/documents/{document.Id()}")).GetRawText().ShouldBe(document.GetRawText());
        var uploaded = (await org.EventsAsync()).Single(e => e.Type == "document.uploaded").Payload;
        (uploaded.Text("id"), uploaded.Text("sha256"), uploaded.Text("content_type")).ShouldBe((document.Id(), DocumentKit.Sha256(bytes), contentType));
    }

    [Fact]
    public async Task Pdf_bytes_declared_as_a_png_and_named_png_are_a_pdf()
    {
        using var org = await Organisation.CreateAsync(factory);
        using var docs = org.Documents();

        var document = await docs.UploadExpectingAsync(HttpStatusCode.Created, Part.File(DocumentKit.Pdf, "photo.png", "image/png"));

        document.Text("content_type").ShouldBe("application/pdf");
    }

    [Theory]
    [InlineData("<!DOCTYPE html><html><script>alert(1)</script></html>", "invoice.pdf", "application/pdf")]
    [InlineData("PK\u0003\u0004zip archive", "invoice.pdf", "application/pdf")]
    [InlineData("GIF89a", "receipt.png", "image/png")]
    [InlineData("%PD", "short.pdf", "application/pdf")]
    public async Task Content_that_is_not_a_pdf_png_or_jpeg_is_refused_with_415_whatever_its_name_and_leaves_nothing(string content, string name, string declared)
    {
        using var org = await Organisation.CreateAsync(factory);
        using var docs = org.Documents();

        var error = await docs.UploadExpectingAsync(HttpStatusCode.UnsupportedMediaType, Part.File(Encoding.Latin1.GetBytes(content), name, declared));

        error.ErrorCode().ShouldBe("unsupported_media_type");
        (await org.StoredAsync()).ShouldBe("0/0/0");
    }

    [Fact]
    public async Task A_file_over_10_MB_is_refused_with_413_while_it_streams_and_leaves_nothing()
    {
        using var org = await Organisation.CreateAsync(factory);
        using var docs = org.Documents();
        var tooLarge = new byte[(10 * 1024 * 1024) + 1];
        DocumentKit.Pdf.CopyTo(tooLarge, 0);
        // Chunked, with no Content-Length: only the upload's own count can stop it.
        using var content = new StreamContent(new NonSeekableStream(DocumentKit.Body(Part.File(tooLarge))));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse($"multipart/form-data; boundary={DocumentKit.Boundary}");

        var error = await Api.ExpectAsync(await docs.PostAsync(new Uri(DocumentKit.Uploads, UriKind.Relative), content), HttpStatusCode.RequestEntityTooLarge);

        error.ErrorCode().ShouldBe("payload_too_large");
        (await org.StoredAsync()).ShouldBe("0/0/0");
    }

    [Fact]
    public async Task A_file_of_several_chunks_comes_back_byte_for_byte()
    {
        using var org = await Organisation.CreateAsync(factory);
        using var docs = org.Documents();
        var large = new byte[(3 * 256 * 1024) + 12345];
        new Random(42).NextBytes(large);
        DocumentKit.Pdf.CopyTo(large, 0);

        var document = await docs.UploadExpectingAsync(HttpStatusCode.Created, Part.File(large));
        using var response = await docs.GetAsync(new Uri($"/api/v1/documents/{document.Id()}/content", UriKind.Relative));
        var back = await response.Content.ReadAsByteArrayAsync();

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        DocumentKit.Sha256(back).ShouldBe(DocumentKit.Sha256(large));
        back.Length.ShouldBe(large.Length);
        (await org.ScalarAsync<long>($"SELECT count(*) FROM document_chunks WHERE document_id = '{document.Id()}'")).ShouldBe(4);
    }

    [Fact]
    public async Task An_empty_file_is_a_422_naming_file()
    {
        using var org = await Organisation.CreateAsync(factory);
        using var docs = org.Documents();

        var error = await docs.UploadExpectingAsync(HttpStatusCode.UnprocessableEntity, Part.File([]));

        error.ErrorFields().ShouldBe(["file"]);
        (await org.StoredAsync()).ShouldBe("0/0/0");
    }

    [Fact]
    public async Task An_upload_without_a_file_part_is_a_422_naming_file()
    {
        using var org = await Organisation.CreateAsync(factory);
        using var docs = org.Documents();

        var error = await docs.UploadExpectingAsync(HttpStatusCode.UnprocessableEntity, Part.Field("linked_type", "invoice"));

        error.ErrorFields().ShouldBe(["file"]);
    }

    [Fact]
    public async Task Two_files_in_one_upload_are_a_422_and_store_neither()
    {
        using var org = await Organisation.CreateAsync(factory);
        using var docs = org.Documents();

        var error = await docs.UploadExpectingAsync(HttpStatusCode.UnprocessableEntity, Part.File(DocumentKit.Pdf), Part.File(DocumentKit.Png, "b.png"));

        error.ErrorFields().ShouldBe(["file"]);
        (await org.StoredAsync()).ShouldBe("0/0/0");
    }

    [Fact]
    public async Task A_truncated_multipart_body_is_a_400_and_stores_nothing()
    {
        using var org = await Organisation.CreateAsync(factory);
        using var docs = org.Documents();
        var body = DocumentKit.Body(Part.File(DocumentKit.Pdf));

        var error = await Api.ExpectAsync(
            await docs.PostAsync(new Uri(DocumentKit.Uploads, UriKind.Relative), DocumentKit.Content(body[..(body.Length - 40)])), HttpStatusCode.BadRequest);

        error.ErrorCode().ShouldBe("bad_request");
        (await org.StoredAsync()).ShouldBe("0/0/0");
    }

    [Fact]
    public async Task A_body_that_is_not_multipart_is_a_415()
    {
        using var org = await Organisation.CreateAsync(factory);
        using var docs = org.Documents();
        using var pdf = new ByteArrayContent(DocumentKit.Pdf);
        pdf.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");

        var error = await Api.ExpectAsync(await docs.PostAsync(new Uri(DocumentKit.Uploads, UriKind.Relative), pdf), HttpStatusCode.UnsupportedMediaType);

        error.ErrorCode().ShouldBe("unsupported_media_type");
    }

    [Fact]
    public async Task A_document_links_to_an_invoice_bill_journal_entry_or_transaction_of_the_organisation()
    {
        using var org = await Organisation.CreateAsync(factory);
        using var docs = org.Documents();
        var customer = await org.CreateContactAsync();
        var supplier = await org.CreateContactAsync("supplier");
        var bankAccount = (await org.CreateBankAccountAsync()).Id();
        var links = new (string Type, string Id)[]
        {
            ("invoice", (await org.CreateInvoiceAsync(customer)).Id()),
            ("bill", (await org.CreateBillAsync(supplier)).Id()),
            ("journal_entry", (await org.PostExpectingAsync("/api/v1/journal-entries",
                Organisation.Entry("2026-02-01", Organisation.Debit(org.Account("090"), 5m), Organisation.Credit(org.Account("970"), 5m)), HttpStatusCode.Created)).Id()),
            ("transaction", (await org.CreateTransactionAsync(bankAccount, "Office chairs", -120m)).Id()),
        };

        foreach (var (type, id) in links)
        {
            var document = await docs.UploadExpectingAsync(HttpStatusCode.Created, Part.Field("linked_type", type), Part.Field("linked_id", id), Part.File(DocumentKit.Png, "r.png"));
            (document.Text("linked_type"), document.Text("linked_id")).ShouldBe((type, id));
        }
    }

    [Fact]
    public async Task A_link_to_another_organisations_record_or_to_nothing_is_a_422_naming_the_field_and_stores_nothing()
    {
        using var org = await Organisation.CreateAsync(factory);
        using var docs = org.Documents();
        using var other = await Organisation.CreateAsync(factory);
        var foreignInvoice = (await other.CreateInvoiceAsync(await other.CreateContactAsync())).Id();
        var ownInvoice = (await org.CreateInvoiceAsync(await org.CreateContactAsync())).Id();
        (Part[] Fields, string Field)[] cases =
        [
            ([Part.Field("linked_type", "invoice"), Part.Field("linked_id", foreignInvoice)], "linked_id"),
            ([Part.Field("linked_type", "bill"), Part.Field("linked_id", ownInvoice)], "linked_id"),
            ([Part.Field("linked_type", "transaction"), Part.Field("linked_id", "txn_missing")], "linked_id"),
            ([Part.Field("linked_type", "contact"), Part.Field("linked_id", ownInvoice)], "linked_type"),
            ([Part.Field("linked_id", ownInvoice)], "linked_type"),
            ([Part.Field("linked_type", "invoice")], "linked_id"),
            ([Part.Field("notes", "hello")], "notes"),
        ];

        foreach (var (fields, field) in cases)
        {
            var error = await docs.UploadExpectingAsync(HttpStatusCode.UnprocessableEntity, [Part.File(DocumentKit.Pdf), .. fields]);
            error.ErrorFields().ShouldBe([field], string.Join(", ", fields.Select(f => f.Name)));
        }

        (await org.StoredAsync()).ShouldBe("0/0/0");
    }

    [Fact]
    public async Task Uploading_needs_the_documents_write_scope()
    {
        using var org = await Organisation.CreateAsync(factory);
        using var reader = org.ClientWith("documents:read");

        var error = await reader.UploadExpectingAsync(HttpStatusCode.Forbidden, Part.File(DocumentKit.Pdf));

        error.ErrorCode().ShouldBe("insufficient_scope");
    }

    /// <summary>Makes HttpClient send the body chunked, without a Content-Length.</summary>
    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
