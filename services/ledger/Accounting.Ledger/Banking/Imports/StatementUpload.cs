using System.Text;
using Accounting.ServiceDefaults.Errors;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Accounting.Ledger.Banking.Imports;

/// <summary>
/// The multipart body of <c>POST /bank-imports</c>, read section by section off the request stream
/// (no form buffering): the <c>file</c> is copied to a temporary file that deletes itself, so it can
/// be parsed once every field is known whatever order the client sent them in, and memory stays flat
/// for a 10 MB statement (the platform caps the body at 10 MB).
/// </summary>
public sealed class StatementUpload : IAsyncDisposable
{
    private const int MaxFieldBytes = 64 * 1024;
    private static readonly string[] Fields = ["file", "bank_account_id", "date_format", "columns"];

    private StatementUpload()
    {
    }

    public FileStream? File { get; private set; }

    public string? BankAccountId { get; private set; }

    public string? DateFormat { get; private set; }

    public string? Columns { get; private set; }

    /// <summary>The upload, or the error to answer: 415 when not multipart, 400 when malformed, 422 for unknown or repeated fields.</summary>
    public static async Task<(StatementUpload? Upload, ApiError? Error)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType)
            || !contentType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(contentType.Boundary).Value is not { Length: > 0 } boundary)
        {
            return (null, ApiError.UnsupportedMediaType("The request body must be multipart/form-data with a file and bank_account_id."));
        }

        var upload = new StatementUpload();
        try
        {
            var error = await upload.ReadSectionsAsync(new MultipartReader(boundary, request.Body), cancellationToken);
            if (error is null)
            {
                return (upload, null);
            }

            await upload.DisposeAsync();
            return (null, error);
        }
        catch (Exception exception) when (exception is InvalidDataException or IOException and not Microsoft.AspNetCore.Http.BadHttpRequestException)
        {
            await upload.DisposeAsync();
            return (null, ApiError.BadRequest("The multipart body is malformed."));
        }
        catch
        {
            await upload.DisposeAsync();
            throw;
        }
    }

    private async Task<ApiError?> ReadSectionsAsync(MultipartReader reader, CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
            {
                return ApiError.BadRequest("Every part of the multipart body must be form-data with a name.");
            }

            var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? string.Empty;
            if (!Fields.Contains(name, StringComparer.Ordinal))
            {
                return ApiError.ValidationFailed(name, $"'{name}' is not a field of a statement import. Fields: {string.Join(", ", Fields)}.");
            }

            if (!seen.Add(name))
            {
                return ApiError.ValidationFailed(name, $"{name} is given more than once.");
            }

            if (name == "file")
            {
                File = await SpoolAsync(section.Body, cancellationToken);
                continue;
            }

            var value = await ReadTextAsync(section.Body, cancellationToken);
            if (value is null)
            {
                return ApiError.ValidationFailed(name, $"{name} is longer than {MaxFieldBytes / 1024} KB.");
            }

            switch (name)
            {
                case "bank_account_id":
                    BankAccountId = value.Trim();
                    break;
                case "date_format":
                    DateFormat = value;
                    break;
                default:
                    Columns = value;
                    break;
            }
        }

        return null;
    }

    private static async Task<FileStream> SpoolAsync(Stream body, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Path.GetTempPath(), "bank-import-" + Path.GetRandomFileName());
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 64 * 1024, FileOptions.Asynchronous | FileOptions.DeleteOnClose);
        try
        {
            await body.CopyToAsync(file, cancellationToken);
            file.Position = 0;
            return file;
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }

    private static async Task<string?> ReadTextAsync(Stream body, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxFieldBytes + 1];
        var length = 0;
        int read;
        while ((read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
            if (length > MaxFieldBytes)
            {
                return null;
            }
        }

        return Encoding.UTF8.GetString(buffer, 0, length);
    }

    public async ValueTask DisposeAsync()
    {
        if (File is not null)
        {
            await File.DisposeAsync();
        }
    }
}
