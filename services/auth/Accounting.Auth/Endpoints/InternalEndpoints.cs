using Accounting.ServiceDefaults.Errors;
using Accounting.ServiceDefaults.Identity;
using Dapper;
using FluentValidation;
using Accounting.ServiceDefaults.Validation;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Accounting.Auth.Endpoints;

public sealed record ResolveApiKeyRequest(string? KeyHash);

public sealed record ApiKeyUsage(string KeyId, DateTimeOffset LastUsedAt);

public sealed record RecordUsageRequest(IReadOnlyList<ApiKeyUsage>? Usages);

/// <summary>What the gateway learns of a key: whose it is, what it may do, and whether it still works.</summary>
public sealed record ResolvedApiKeyView(
    string KeyId, string OrganisationId, string Mode, string[] Scopes, string Plan, DateTimeOffset? ExpiresAt, string Status);

public sealed class ResolveApiKeyValidator : AbstractValidator<ResolveApiKeyRequest>
{
    public ResolveApiKeyValidator() => RuleFor(r => r.KeyHash).NotEmpty().Matches("^[0-9a-f]{64}$");
}

public sealed class RecordUsageValidator : AbstractValidator<RecordUsageRequest>
{
    public RecordUsageValidator() => RuleFor(r => r.Usages).NotNull().Must(u => u!.Count <= 10_000);
}

/// <summary>
/// What the gateway needs from auth, and nobody else: not routed publicly, and callable only with
/// a service identity the gateway signed for itself.
/// </summary>
public static class InternalEndpoints
{
    public static IEndpointRouteBuilder MapInternalEndpoints(this IEndpointRouteBuilder app)
    {
        var keys = app.MapInternalGroup("/internal/api-keys");
        keys.MapPost("/resolve", Resolve).Validate<ResolveApiKeyRequest>();
        keys.MapPost("/usage", RecordUsage).Validate<RecordUsageRequest>();
        return app;
    }

    /// <summary>Endpoints under <paramref name="prefix"/> answer only a service identity; anyone else is told they do not exist.</summary>
    public static RouteGroupBuilder MapInternalGroup(this IEndpointRouteBuilder app, string prefix) =>
        app.MapGroup(prefix).AddEndpointFilter(async (context, next) =>
            Caller.FromPrincipal(context.HttpContext.User)?.PrincipalType == PrincipalType.Service
                ? await next(context)
                : ApiError.NotFound());

    private sealed record ResolvedKey(
        string KeyId, string OrganisationId, string Mode, string[] Scopes, string Plan,
        DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt);

    /// <summary>One indexed lookup by hash; the gateway caches the answer and hears of revocations over Redis.</summary>
    private static async Task<Results<Ok<ResolvedApiKeyView>, ApiError>> Resolve(ResolveApiKeyRequest request, NpgsqlDataSource db, TimeProvider clock, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var key = await connection.QuerySingleOrDefaultAsync<ResolvedKey>(new CommandDefinition(
            """
            SELECT k.id AS key_id, k.organisation_id, k.mode, k.scopes, o.plan, k.expires_at, k.revoked_at
            FROM api_keys k JOIN organisations o ON o.id = k.organisation_id
            WHERE k.key_hash = @KeyHash
            """,
            new { request.KeyHash }, cancellationToken: cancellationToken));
        if (key is null)
        {
            return ApiError.NotFound("No API key has this hash.");
        }

        var status = key.RevokedAt is not null ? "revoked" : key.ExpiresAt <= clock.GetUtcNow() ? "expired" : "active";
        return TypedResults.Ok(new ResolvedApiKeyView(key.KeyId, key.OrganisationId, key.Mode, key.Scopes, key.Plan, key.ExpiresAt, status));
    }

    /// <summary>Gateways batch last-used times and report them here, one write per batch rather than per request.</summary>
    private static async Task<NoContent> RecordUsage(RecordUsageRequest request, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE api_keys k SET last_used_at = u.at
            FROM unnest(@Ids, @Times) AS u(id, at)
            WHERE k.id = u.id AND (k.last_used_at IS NULL OR k.last_used_at < u.at)
            """,
            new { Ids = request.Usages!.Select(u => u.KeyId).ToArray(), Times = request.Usages!.Select(u => u.LastUsedAt).ToArray() },
            cancellationToken: cancellationToken));
        return TypedResults.NoContent();
    }
}
