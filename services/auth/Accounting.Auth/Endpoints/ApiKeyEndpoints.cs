using Accounting.Contracts.Auth;
using Accounting.Messaging;
using Accounting.Postgres;
using Accounting.Redis;
using Accounting.ServiceDefaults;
using Accounting.ServiceDefaults.Errors;
using Accounting.ServiceDefaults.Http;
using Accounting.ServiceDefaults.Identity;
using Accounting.ServiceDefaults.Validation;
using Dapper;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;
using StackExchange.Redis;

namespace Accounting.Auth.Endpoints;

public sealed record CreateApiKeyRequest(string? Name, IReadOnlyList<string>? Scopes, string? Mode, DateTimeOffset? ExpiresAt);

public sealed record ApiKeyView(
    string Id, string Name, string Prefix, string LastFour, string[] Scopes,
    DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? ExpiresAt);

/// <summary>A new key with its secret: the answer to its creation, the only time the secret is shown.</summary>
public sealed record CreatedApiKeyView(
    string Id, string Name, string Prefix, string LastFour, string[] Scopes,
    DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? ExpiresAt, string Key);

public sealed record ApiKeyServices(
    WriteTransactions Transactions, IOptions<AuthOptions> Options, IConnectionMultiplexer Redis, ILoggerFactory Loggers, TimeProvider Clock);

public sealed class CreateApiKeyValidator : AbstractValidator<CreateApiKeyRequest>
{
    public CreateApiKeyValidator(TimeProvider clock)
    {
        RuleFor(r => r.Name).NotEmpty().MaximumLength(100);
        RuleFor(r => r.Scopes).NotEmpty().WithMessage("scopes must name at least one scope, e.g. invoices:read.");
        RuleForEach(r => r.Scopes).Must(scope => ApiScopes.All.Contains(scope))
            .WithMessage((_, scope) => $"'{scope}' is not a scope. Scopes are resource:read or resource:write, e.g. invoices:write.");
        RuleFor(r => r.Mode).Must(mode => mode is null or "live" or "test").WithMessage("mode must be live or test.");
        RuleFor(r => r.ExpiresAt).Must(expiry => expiry is null || expiry > clock.GetUtcNow()).WithMessage("expires_at must be in the future.");
    }
}

/// <summary>API keys of contract §3: managed by people (owner or admin), never by other keys.</summary>
public static class ApiKeyEndpoints
{
    public static IEndpointRouteBuilder MapApiKeyEndpoints(this IEndpointRouteBuilder app)
    {
        var keys = app.MapGroup("/api/v1/api-keys").RequireUser("owner", "admin");
        keys.MapGet("/", List);
        keys.MapPost("/", Create).Validate<CreateApiKeyRequest>();
        keys.MapDelete("/{id}", Revoke);
        return app;
    }

    private const string Columns = "id, name, 'sk_' || mode AS prefix, last_four, scopes, created_at, last_used_at, expires_at";

    private static async Task<Ok<Page<ApiKeyView>>> List(Caller caller, PageRequest page, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var keys = (await connection.QueryAsync<ApiKeyView>(new CommandDefinition(
            $"""
            SELECT {Columns} FROM api_keys WHERE organisation_id = @OrganisationId AND revoked_at IS NULL
            ORDER BY created_at DESC, id LIMIT @Limit OFFSET @Offset
            """,
            new { caller.OrganisationId, page.Limit, page.Offset }, cancellationToken: cancellationToken))).AsList();
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT count(*) FROM api_keys WHERE organisation_id = @OrganisationId AND revoked_at IS NULL",
            new { caller.OrganisationId }, cancellationToken: cancellationToken));
        return TypedResults.Ok(Page.Of(keys, page, total));
    }

    private static async Task<Results<Created<CreatedApiKeyView>, ApiError>> Create(
        CreateApiKeyRequest request, Caller caller, [AsParameters] ApiKeyServices services, CancellationToken cancellationToken)
    {
        var now = services.Clock.GetUtcNow();
        var mode = request.Mode ?? "live";
        var secret = $"sk_{mode}_{Ids.RandomBase62(40)}";
        var key = new ApiKeyView(Ids.New("key"), request.Name!.Trim(), "sk_" + mode, secret[^4..],
            [.. request.Scopes!.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)], now, null, request.ExpiresAt);

        await using var write = await services.Transactions.BeginAsync(cancellationToken);
        // The organisation's row serialises concurrent creations, so the quota cannot be overrun.
        await write.Connection.ExecuteAsync(new CommandDefinition(
            "SELECT 1 FROM organisations WHERE id = @OrganisationId FOR UPDATE", new { caller.OrganisationId }, write.Transaction, cancellationToken: cancellationToken));
        var active = await write.Connection.ExecuteScalarAsync<int>(new CommandDefinition(
            """
            SELECT count(*) FROM api_keys
            WHERE organisation_id = @OrganisationId AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > @Now)
            """,
            new { caller.OrganisationId, Now = now }, write.Transaction, cancellationToken: cancellationToken));
        if (active >= services.Options.Value.MaxActiveApiKeys)
        {
            return ApiError.LimitReached(
                "key_limit_reached", $"This organisation already has {active} active API keys, the most allowed. Revoke one first.");
        }

        await write.Connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO api_keys (id, organisation_id, name, mode, last_four, key_hash, scopes, created_by, created_at, expires_at)
            VALUES (@Id, @OrganisationId, @Name, @Mode, @LastFour, @KeyHash, @Scopes, @CreatedBy, @CreatedAt, @ExpiresAt)
            """,
            new
            {
                key.Id, caller.OrganisationId, key.Name, Mode = mode, key.LastFour, KeyHash = ApiKeyHash.Compute(secret),
                key.Scopes, CreatedBy = caller.PrincipalId, key.CreatedAt, key.ExpiresAt,
            },
            write.Transaction, cancellationToken: cancellationToken));
        await Outbox.EnqueueAsync(write.Transaction, new ApiKeyCreated
        {
            OrganisationId = caller.OrganisationId,
            KeyId = key.Id,
            Name = key.Name,
            Mode = mode,
            Scopes = key.Scopes,
            CreatedBy = caller.PrincipalId,
            OccurredAt = now,
        }, key.Id, cancellationToken);
        await write.CommitAsync(cancellationToken);

        return TypedResults.Created($"/api/v1/api-keys/{key.Id}", new CreatedApiKeyView(
            key.Id, key.Name, key.Prefix, key.LastFour, key.Scopes, key.CreatedAt, key.LastUsedAt, key.ExpiresAt, secret));
    }

    private static async Task<Results<NoContent, ApiError>> Revoke(
        string id, Caller caller, [AsParameters] ApiKeyServices services, CancellationToken cancellationToken)
    {
        var now = services.Clock.GetUtcNow();
        await using var write = await services.Transactions.BeginAsync(cancellationToken);
        var keyHash = await write.Connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            """
            UPDATE api_keys SET revoked_at = @Now
            WHERE id = @Id AND organisation_id = @OrganisationId AND revoked_at IS NULL
            RETURNING key_hash
            """,
            new { Now = now, Id = id, caller.OrganisationId }, write.Transaction, cancellationToken: cancellationToken));
        if (keyHash is null)
        {
            return ApiError.NotFound("No such API key in this organisation.");
        }

        await Outbox.EnqueueAsync(write.Transaction, new ApiKeyRevoked
        {
            OrganisationId = caller.OrganisationId,
            KeyId = id,
            RevokedBy = caller.PrincipalId,
            OccurredAt = now,
        }, id, cancellationToken);
        await write.CommitAsync(cancellationToken);

        // Gateways drop the key from their caches on this message, within a second. If Redis is down the
        // event above and the caches' short lifetime still end the key; the revocation itself is committed.
        await RevocationNotice.PublishAsync(services.Redis, keyHash, services.Loggers.CreateLogger(nameof(ApiKeyEndpoints)));
        return TypedResults.NoContent();
    }
}
