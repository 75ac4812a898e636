using System.Text;
using Accounting.Contracts.Ledger;
using Accounting.Ledger.Endpoints;
using Accounting.Messaging;
using Accounting.Postgres;
using Accounting.ServiceDefaults;
using Accounting.ServiceDefaults.Errors;
using Accounting.ServiceDefaults.Http;
using Accounting.ServiceDefaults.Identity;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Npgsql;

namespace Accounting.Ledger.Documents;

public sealed record DocumentView(
    string Id, string Filename, string ContentType, long Size, string Sha256, string? LinkedType, string? LinkedId, DateTimeOffset CreatedAt);

/// <summary>The form <c>POST /documents/upload</c> takes, for the OpenAPI document; the handler reads the body as a stream, never binds it.</summary>
public sealed record DocumentUploadForm(IFormFile File, string? LinkedType, string? LinkedId);

public sealed record DocumentServices(WriteTransactions Transactions, IDocumentStore Store, TimeProvider Clock);

/// <summary>
/// Documents (contract §5.3): uploads streamed from the request body into the store, the type
/// decided by the bytes, and content streamed back with headers no browser can be tricked by.
/// </summary>
public static class DocumentEndpoints
{
    private const string Columns = "id, filename, content_type, size, sha256, linked_type, linked_id, created_at";
    private const int MaxFieldBytes = 256;

    public static IEndpointRouteBuilder MapDocumentEndpoints(this IEndpointRouteBuilder app)
    {
        var documents = app.MapGroup("/api/v1/documents");
        documents.MapGet("/", List).RequireScope("documents:read").WithName("listDocuments");
        documents.MapPost("/upload", Upload).RequireScope("documents:write").WithName("uploadDocument")
            .Accepts<DocumentUploadForm>("multipart/form-data");
        documents.MapGet("/{id}", Get).RequireScope("documents:read").WithName("getDocument");
        documents.MapGet("/{id}/content", Content).RequireScope("documents:read").WithName("getDocumentContent")
            .Produces<Stream>(StatusCodes.Status200OK, DocumentContent.ContentTypes[0], DocumentContent.ContentTypes[1..])
            .Produces(StatusCodes.Status304NotModified);
        documents.MapDelete("/{id}", Delete).RequireScope("documents:write").WithName("deleteDocument");
        return app;
    }

    private static async Task<Results<Ok<Page<DocumentView>>, ApiError>> List(
        HttpRequest request, Caller caller, PageRequest page, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        var filters = new QueryFilters(request, "linked_type", "linked_id", "content_type");
        var linkedType = filters.OneOf("linked_type", DocumentLinks.Types);
        var contentType = filters.OneOf("content_type", DocumentContent.ContentTypes);
        filters.ThrowIfInvalid();
        var linkedId = request.Query.TryGetValue("linked_id", out var raw) ? raw.ToString() : null;
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        if (linkedId is not null
            && (linkedType ?? DocumentLinks.TypeOf(linkedId)) is var kind
            && (kind is null || !await DocumentLinks.ExistsAsync(connection, kind, linkedId, caller.OrganisationId, cancellationToken)))
        {
            return ApiError.ValidationFailed("linked_id", "linked_id names nothing a document can be linked to in this organisation.");
        }

        const string Where = """
            organisation_id = @OrganisationId AND (@LinkedType::text IS NULL OR linked_type = @LinkedType)
            AND (@LinkedId::text IS NULL OR linked_id = @LinkedId) AND (@ContentType::text IS NULL OR content_type = @ContentType)
            """;
        var parameters = new { caller.OrganisationId, LinkedType = linkedType, LinkedId = linkedId, ContentType = contentType, page.Limit, page.Offset };
        var documents = (await connection.QueryAsync<DocumentView>(new CommandDefinition(
            $"SELECT {Columns} FROM documents WHERE {Where} ORDER BY created_at DESC, id DESC LIMIT @Limit OFFSET @Offset",
            parameters, cancellationToken: cancellationToken))).AsList();
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT count(*) FROM documents WHERE {Where}", parameters, cancellationToken: cancellationToken));
        return TypedResults.Ok(Page.Of(documents, page, total));
    }

    private static async Task<Results<Created<DocumentView>, ApiError>> Upload(
        HttpRequest request, Caller caller, [AsParameters] DocumentServices services, CancellationToken cancellationToken)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value is not { Length: > 0 and <= 70 } boundary)
        {
            return ApiError.UnsupportedMediaType("The request body must be multipart/form-data with the document in a part named file.");
        }

        var id = Ids.New("doc");
        var form = new UploadedForm();
        await using var write = await services.Transactions.BeginAsync(cancellationToken);
        try
        {
            var reader = new MultipartReader(boundary, request.Body);
            while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                var refusal = await form.ReadAsync(section, id, write, services.Store, cancellationToken);
                if (refusal is not null)
                {
                    return refusal;
                }
            }
        }
        catch (Exception exception) when (exception is IOException or InvalidDataException && exception is not BadHttpRequestException)
        {
            return ApiError.BadRequest("The multipart body is incomplete or malformed.");
        }

        if (form.File is not { } file)
        {
            return ApiError.ValidationFailed("file", "A file is required, in a part named file.");
        }

        if (await form.LinkRefusalAsync(write, caller, cancellationToken) is { } linkRefusal)
        {
            return linkRefusal;
        }

        // The row as stored, so the response matches every later read to the microsecond.
        var document = await write.Connection.QuerySingleAsync<DocumentView>(new CommandDefinition(
            $"""
            INSERT INTO documents (id, organisation_id, filename, content_type, size, sha256, linked_type, linked_id, uploaded_by, created_at)
            VALUES (@Id, @OrganisationId, @Filename, @ContentType, @Size, @Sha256, @LinkedType, @LinkedId, @UploadedBy, @CreatedAt)
            RETURNING {Columns}
            """,
            new
            {
                Id = id, caller.OrganisationId, file.Filename, file.Content.ContentType, file.Size, file.Sha256, form.LinkedType, form.LinkedId,
                UploadedBy = caller.PrincipalId, CreatedAt = services.Clock.GetUtcNow(),
            },
            write.Transaction, cancellationToken: cancellationToken));
        await Outbox.EnqueueAsync(write.Transaction, new DocumentUploaded
        {
            OrganisationId = caller.OrganisationId,
            OccurredAt = document.CreatedAt,
            Id = document.Id,
            Filename = document.Filename,
            ContentType = document.ContentType,
            Size = document.Size,
            Sha256 = document.Sha256,
            LinkedType = document.LinkedType,
            LinkedId = document.LinkedId,
            UploadedBy = caller.PrincipalId,
        }, document.Id, cancellationToken);
        await write.CommitAsync(cancellationToken);
        return TypedResults.Created($"/api/v1/documents/{document.Id}", document);
    }

    private static async Task<Results<Ok<DocumentView>, ApiError>> Get(string id, Caller caller, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await FindAsync(connection, id, caller, cancellationToken) is { } document
            ? TypedResults.Ok(document)
            : NoSuchDocument();
    }

    private static async Task<Results<PushStreamHttpResult, StatusCodeHttpResult, ApiError>> Content(
        string id, HttpContext context, Caller caller, NpgsqlDataSource db, IDocumentStore store, CancellationToken cancellationToken)
    {
        DocumentView? document;
        await using (var connection = await db.OpenConnectionAsync(cancellationToken))
        {
            document = await FindAsync(connection, id, caller, cancellationToken);
        }

        if (document is null)
        {
            return NoSuchDocument();
        }

        var etag = new EntityTagHeaderValue($"\"{document.Sha256}\"");
        var headers = context.Response.GetTypedHeaders();
        headers.ETag = etag;
        context.Response.Headers.XContentTypeOptions = "nosniff";
        if (context.Request.GetTypedHeaders().IfNoneMatch is { Count: > 0 } ifNoneMatch
            && ifNoneMatch.Any(tag => tag.Equals(EntityTagHeaderValue.Any) || tag.Compare(etag, useStrongComparison: false)))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        context.Response.Headers.ContentDisposition = DocumentFileNames.ContentDisposition(document.Filename);
        context.Response.ContentLength = document.Size;
        return TypedResults.Stream(body => store.CopyToAsync(document.Id, body, cancellationToken), document.ContentType);
    }

    private static async Task<Results<NoContent, ApiError>> Delete(
        string id, Caller caller, WriteTransactions transactions, IDocumentStore store, CancellationToken cancellationToken)
    {
        await using var write = await transactions.BeginAsync(cancellationToken);
        var deleted = await write.Connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM documents WHERE id = @Id AND organisation_id = @OrganisationId",
            new { Id = id, caller.OrganisationId }, write.Transaction, cancellationToken: cancellationToken));
        if (deleted == 0)
        {
            return NoSuchDocument();
        }

        await store.DeleteAsync(write, id, cancellationToken);
        await write.CommitAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    private static Task<DocumentView?> FindAsync(NpgsqlConnection connection, string id, Caller caller, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<DocumentView>(new CommandDefinition(
            $"SELECT {Columns} FROM documents WHERE id = @Id AND organisation_id = @OrganisationId",
            new { Id = id, caller.OrganisationId }, cancellationToken: cancellationToken));

    private static ApiError NoSuchDocument() => ApiError.NotFound("No such document in this organisation.");

    private sealed record StoredFile(DocumentContent Content, string Filename, long Size, string Sha256);

    /// <summary>The upload's parts as they stream past: the file straight into the store, the link fields kept.</summary>
    private sealed class UploadedForm
    {
        public StoredFile? File { get; private set; }

        public string? LinkedType { get; private set; }

        public string? LinkedId { get; private set; }

        /// <summary>Consumes one part; a refusal when it cannot be accepted.</summary>
        public async Task<ApiError?> ReadAsync(MultipartSection section, string documentId, WriteTransaction write, IDocumentStore store, CancellationToken cancellationToken)
        {
            var disposition = section.GetContentDispositionHeader();
            var name = HeaderUtilities.RemoveQuotes(disposition?.Name ?? default).Value;
            switch (name)
            {
                case "file" when File is not null:
                    return ApiError.ValidationFailed("file", "Send exactly one file per upload.");
                case "file":
                    // filename* (RFC 5987) arrives decoded; a quoted filename may carry escaped quotes and backslashes.
                    var sentName = disposition!.FileNameStar.HasValue
                        ? disposition.FileNameStar.Value
                        : HeaderUtilities.UnescapeAsQuotedString(disposition.FileName).Value;
                    return await StoreAsync(section.Body, sentName, documentId, write, store, cancellationToken);
                case "linked_type":
                    LinkedType = await ReadFieldAsync(section, cancellationToken);
                    return LinkedType is null ? TooLong("linked_type") : null;
                case "linked_id":
                    LinkedId = await ReadFieldAsync(section, cancellationToken);
                    return LinkedId is null ? TooLong("linked_id") : null;
                default:
                    return ApiError.ValidationFailed(name ?? "form", "Only file, linked_type and linked_id may be sent.");
            }
        }

        public async Task<ApiError?> LinkRefusalAsync(WriteTransaction write, Caller caller, CancellationToken cancellationToken)
        {
            if (LinkedType is null && LinkedId is null)
            {
                return null;
            }

            if (LinkedType is null || !DocumentLinks.Types.Contains(LinkedType, StringComparer.Ordinal))
            {
                return ApiError.ValidationFailed("linked_type", $"linked_type must be one of: {string.Join(", ", DocumentLinks.Types)}.");
            }

            if (LinkedId is null)
            {
                return ApiError.ValidationFailed("linked_id", "linked_id is required with linked_type.");
            }

            return await DocumentLinks.ExistsAsync(write.Connection, LinkedType, LinkedId, caller.OrganisationId, cancellationToken, write.Transaction)
                ? null
                : ApiError.ValidationFailed("linked_id", $"No such {LinkedType.Replace('_', ' ')} in this organisation.");
        }

        private static ApiError TooLong(string field) => ApiError.ValidationFailed(field, $"{field} must be at most {MaxFieldBytes} bytes.");

        private static async Task<string?> ReadFieldAsync(MultipartSection section, CancellationToken cancellationToken)
        {
            var buffer = new byte[MaxFieldBytes + 1];
            var read = await section.Body.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
            return read > MaxFieldBytes ? null : Encoding.UTF8.GetString(buffer, 0, read).Trim();
        }

        private async Task<ApiError?> StoreAsync(Stream body, string? sentName, string documentId, WriteTransaction write, IDocumentStore store, CancellationToken cancellationToken)
        {
            var header = new byte[DocumentContent.SignatureLength];
            var headerLength = await body.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancellationToken);
            if (headerLength == 0)
            {
                return ApiError.ValidationFailed("file", "The file is empty.");
            }

            if (DocumentContent.Detect(header.AsSpan(0, headerLength)) is not { } content)
            {
                return ApiError.UnsupportedMediaType("Only PDF, PNG and JPEG documents are accepted, recognised by their content.");
            }

            await using var upload = new UploadStream(header.AsMemory(0, headerLength), body, RequestLimits.MaxBodyBytes);
            await store.WriteAsync(write, documentId, upload, cancellationToken);
            File = new StoredFile(content, DocumentFileNames.Clean(sentName, content), upload.Size, upload.Sha256());
            return null;
        }
    }
}
