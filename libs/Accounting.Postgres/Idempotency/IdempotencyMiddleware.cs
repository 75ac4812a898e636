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
/// (principal, key) is replayed for 24 h to a retry of the same request; a different request
/// with the key is refused, and so is a retry while the first is still running. Answers a retry
/// should not see again (server errors, and errors that are not final, such as a quota that may
/// clear) are not stored, so the retry runs afresh.
/// </summary>
/// <remarks>
/// The request runs inside one transaction that first takes an advisory lock on (principal,
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

        var idempotencyKey = IdempotencyKey.Derive(caller, key);
        var fingerprint = await idempotencyKey.FingerprintAsync(context.Request);
        var cancellationToken = context.RequestAborted;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        var claimed = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT pg_try_advisory_xact_lock(@LockKey)",
            new { LockKey = idempotencyKey.LockId }, transaction, cancellationToken: cancellationToken));
        if (!claimed)
        {
            await ApiError.RequestInProgress("A request with this Idempotency-Key is still being processed. Retry once it has completed.")
                .ExecuteAsync(context);
            return;
        }

        var stored = await connection.QuerySingleOrDefaultAsync<StoredResponse>(new CommandDefinition(
            """
            SELECT request_fingerprint, response_status, response_content_type, response_location, sealed_response_body, created_at
            FROM idempotency_keys WHERE organisation_id = @OrganisationId AND key_hash = @KeyHash
            """,
            new { caller.OrganisationId, KeyHash = idempotencyKey.Hash }, transaction, cancellationToken: cancellationToken));
        if (stored is not null && stored.CreatedAt > clock.GetUtcNow() - Retention)
        {
            await (stored.RequestFingerprint.AsSpan().SequenceEqual(fingerprint)
                ? ReplayAsync(context, stored, idempotencyKey)
                : ApiError.Conflict("This Idempotency-Key was already used for a different request.", "idempotency_key_reused").ExecuteAsync(context));
            return;
        }

        if (stored is not null)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM idempotency_keys WHERE organisation_id = @OrganisationId AND key_hash = @KeyHash",
                new { caller.OrganisationId, KeyHash = idempotencyKey.Hash }, transaction, cancellationToken: cancellationToken));
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

            if (context.Features.Get<ApiError>() is not { IsFinal: false })
            {
                await StoreAsync(connection, transaction, context, caller, idempotencyKey, fingerprint, buffer);
            }

            await transaction.CommitAsync(cancellationToken);
        }

        buffer.Position = 0;
        await buffer.CopyToAsync(originalBody, cancellationToken);
    }

    private async Task StoreAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, HttpContext context, Caller caller, IdempotencyKey idempotencyKey, byte[] fingerprint, MemoryStream buffer)
    {
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO idempotency_keys (organisation_id, key_hash, request_fingerprint, response_status, response_content_type, response_location, sealed_response_body, created_at)
            VALUES (@OrganisationId, @KeyHash, @Fingerprint, @Status, @ContentType, @Location, @Body, @CreatedAt)
            """,
            new
            {
                caller.OrganisationId,
                KeyHash = idempotencyKey.Hash,
                Fingerprint = fingerprint,
                Status = context.Response.StatusCode,
                context.Response.ContentType,
                Location = context.Response.Headers.Location.ToString() is { Length: > 0 } location ? location : null,
                Body = idempotencyKey.Seal(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)),
                CreatedAt = clock.GetUtcNow(),
            },
            transaction, cancellationToken: context.RequestAborted));
    }

    private static Task ReplayAsync(HttpContext context, StoredResponse stored, IdempotencyKey idempotencyKey)
    {
        var response = context.Response;
        response.StatusCode = stored.ResponseStatus;
        response.ContentType = stored.ResponseContentType;
        if (stored.ResponseLocation is not null)
        {
            response.Headers.Location = stored.ResponseLocation;
        }

        response.Headers[ReplayedHeader] = "true";
        return response.Body.WriteAsync(idempotencyKey.Open(stored.SealedResponseBody), context.RequestAborted).AsTask();
    }

    private sealed record StoredResponse(
        byte[] RequestFingerprint, int ResponseStatus, string? ResponseContentType, string? ResponseLocation, byte[] SealedResponseBody, DateTimeOffset CreatedAt);
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
        app.Services.GetRequiredService<IdempotencyDocumentation>().Enabled = true;
        return app;
    }
}
