using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Accounting.ServiceDefaults.Errors;
using Accounting.ServiceDefaults.Identity;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Accounting.Postgres.Idempotency;

/// <summary>
/// <c>Idempotency-Key</c> on POST, as contract §1 says: the first completed response for
/// (organisation, key) is replayed for 24 h to a retry of the same request; a different request
/// with the key is refused, and so is a retry while the first is still running.
/// </summary>
/// <remarks>
/// The request runs inside one transaction that first takes an advisory lock on (organisation,
/// key): concurrent duplicates fail to take it and get <c>request_in_progress</c>, so exactly one
/// executes. Handlers that write through <see cref="WriteTransactions"/> join that transaction,
/// so their writes and the stored response commit together; if the process dies mid-request the
/// transaction and the lock vanish with the connection and the key can be used again.
/// </remarks>
internal sealed class IdempotencyMiddleware(RequestDelegate next, NpgsqlDataSource dataSource, TimeProvider clock)
{
    public const string KeyHeader = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";
    public const int MaxKeyLength = 255;
    public static readonly TimeSpan Retention = TimeSpan.FromHours(24);

    private const string Savepoint = "idempotent_request";

    public async Task InvokeAsync(HttpContext context)
    {
        var caller = Caller.FromPrincipal(context.User);
        if (!HttpMethods.IsPost(context.Request.Method)
            || !context.Request.Headers.TryGetValue(KeyHeader, out var keyValues)
            || caller is not { OrganisationId.Length: > 0 })
        {
            await next(context);
            return;
        }

        var key = keyValues.ToString();
        if (key.Length is 0 or > MaxKeyLength)
        {
            await ApiError.BadRequest($"{KeyHeader} must be 1 to {MaxKeyLength} characters.").ExecuteAsync(context);
            return;
        }

        var fingerprint = await FingerprintAsync(context.Request);
        var cancellationToken = context.RequestAborted;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        var claimed = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT pg_try_advisory_xact_lock(@LockKey)",
            new { LockKey = LockKey(caller.OrganisationId, key) }, transaction, cancellationToken: cancellationToken));
        if (!claimed)
        {
            await ApiError.Conflict("A request with this Idempotency-Key is still being processed. Retry once it has completed.", "request_in_progress")
                .ExecuteAsync(context);
            return;
        }

        var stored = await connection.QuerySingleOrDefaultAsync<StoredResponse>(new CommandDefinition(
            """
            SELECT request_fingerprint, response_status, response_content_type, response_location, response_body, created_at
            FROM idempotency_keys WHERE organisation_id = @OrganisationId AND idempotency_key = @Key
            """,
            new { caller.OrganisationId, Key = key }, transaction, cancellationToken: cancellationToken));
        if (stored is not null && stored.CreatedAt > clock.GetUtcNow() - Retention)
        {
            await (stored.RequestFingerprint.AsSpan().SequenceEqual(fingerprint)
                ? ReplayAsync(context, stored)
                : ApiError.Conflict("This Idempotency-Key was already used for a different request.", "idempotency_key_reused").ExecuteAsync(context));
            return;
        }

        if (stored is not null)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM idempotency_keys WHERE organisation_id = @OrganisationId AND idempotency_key = @Key",
                new { caller.OrganisationId, Key = key }, transaction, cancellationToken: cancellationToken));
        }

        await transaction.SaveAsync(Savepoint, cancellationToken);
        var writes = context.RequestServices.GetRequiredService<WriteTransactions>();
        writes.JoinAmbient(connection, transaction);

        var originalBody = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = originalBody;
        }

        // A server error stores nothing and undoes everything, so the client's retry runs afresh.
        if (context.Response.StatusCode >= StatusCodes.Status500InternalServerError)
        {
            await transaction.RollbackAsync(cancellationToken);
        }
        else
        {
            if (!writes.AmbientCompleted)
            {
                await transaction.RollbackAsync(Savepoint, cancellationToken);
            }

            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO idempotency_keys (organisation_id, idempotency_key, request_fingerprint, response_status, response_content_type, response_location, response_body, created_at)
                VALUES (@OrganisationId, @Key, @Fingerprint, @Status, @ContentType, @Location, @Body, @CreatedAt)
                """,
                new
                {
                    caller.OrganisationId,
                    Key = key,
                    Fingerprint = fingerprint,
                    Status = context.Response.StatusCode,
                    context.Response.ContentType,
                    Location = context.Response.Headers.Location.ToString() is { Length: > 0 } location ? location : null,
                    Body = buffer.ToArray(),
                    CreatedAt = clock.GetUtcNow(),
                },
                transaction, cancellationToken: cancellationToken));
            await transaction.CommitAsync(cancellationToken);
        }

        buffer.Position = 0;
        await buffer.CopyToAsync(originalBody, cancellationToken);
    }

    private static Task ReplayAsync(HttpContext context, StoredResponse stored)
    {
        var response = context.Response;
        response.StatusCode = stored.ResponseStatus;
        response.ContentType = stored.ResponseContentType;
        if (stored.ResponseLocation is not null)
        {
            response.Headers.Location = stored.ResponseLocation;
        }

        response.Headers[ReplayedHeader] = "true";
        return response.Body.WriteAsync(stored.ResponseBody, context.RequestAborted).AsTask();
    }

    private static async Task<byte[]> FingerprintAsync(HttpRequest request)
    {
        request.EnableBuffering();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{request.Method} {request.PathBase}{request.Path}{request.QueryString}\n"));
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            hash.AppendData(chunk, 0, read);
        }

        request.Body.Position = 0;
        return hash.GetHashAndReset();
    }

    private static long LockKey(string organisationId, string key) =>
        BinaryPrimitives.ReadInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes($"idempotency\n{organisationId}\n{key}")));

    private sealed record StoredResponse(
        byte[] RequestFingerprint, int ResponseStatus, string? ResponseContentType, string? ResponseLocation, byte[] ResponseBody, DateTimeOffset CreatedAt);
}

public static class IdempotencyExtensions
{
    /// <summary>
    /// Honours <c>Idempotency-Key</c> on every POST of the app. Call after <c>UseServiceDefaults</c>
    /// (it needs the caller's organisation); handlers should write through <see cref="WriteTransactions"/>.
    /// </summary>
    public static WebApplication UseIdempotency(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseMiddleware<IdempotencyMiddleware>();
        return app;
    }
}
