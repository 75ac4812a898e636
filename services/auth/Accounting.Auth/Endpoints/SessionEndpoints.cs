using Accounting.Auth.Security;
using Accounting.Contracts.Auth;
using Accounting.Messaging;
using Accounting.ServiceDefaults;
using Accounting.ServiceDefaults.Errors;
using Accounting.ServiceDefaults.Identity;
using Accounting.ServiceDefaults.OpenApi;
using Accounting.ServiceDefaults.Validation;
using Dapper;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Accounting.Auth.Endpoints;

public sealed record RegisterRequest(string? OrganisationName, string? Email, string? Password, string? FullName);

public sealed record LoginRequest(string? Email, string? Password);

public sealed record RefreshRequest(string? RefreshToken);

public sealed class RegisterValidator : AbstractValidator<RegisterRequest>
{
    public RegisterValidator()
    {
        RuleFor(r => r.OrganisationName).NotEmpty().MaximumLength(200);
        RuleFor(r => r.FullName).NotEmpty().MaximumLength(200);
        RuleFor(r => r.Email).NotEmpty().EmailAddress().MaximumLength(254);
        RuleFor(r => r.Password).NotEmpty().MinimumLength(Passwords.MinimumLength).MaximumLength(1024);
    }
}

public sealed class LoginValidator : AbstractValidator<LoginRequest>
{
    public LoginValidator()
    {
        RuleFor(r => r.Email).NotEmpty().MaximumLength(254);
        RuleFor(r => r.Password).NotEmpty().MaximumLength(1024);
    }
}

public sealed class RefreshValidator : AbstractValidator<RefreshRequest>
{
    public RefreshValidator() => RuleFor(r => r.RefreshToken).NotEmpty().MaximumLength(200);
}

public sealed record SessionServices(NpgsqlDataSource Db, TokenService Tokens, IOptions<AuthOptions> Options, TimeProvider Clock);

/// <summary>The public half of contract §3: register, log in (with a second factor), refresh, log out.</summary>
public static class SessionEndpoints
{
    public static IEndpointRouteBuilder MapSessionEndpoints(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/v1/auth").AllowAnonymous();
        auth.MapPost("/register", Register).Validate<RegisterRequest>().WithName("register")
            .ProducesError(409, "An account with this email already exists.");
        auth.MapPost("/login", Login).Validate<LoginRequest>().WithName("login")
            .ProducesError(401, "The email or password is incorrect (`invalid_credentials`).")
            .ProducesError(403, "The account belongs to no organisation any more.")
            .ProducesError(423, "Too many failed logins: the account is locked for a while (`account_locked`).");
        auth.MapPost("/refresh", Refresh).Validate<RefreshRequest>().WithName("refreshSession")
            .ProducesError(401, "The refresh token is invalid, expired or already used (reuse ends the whole session).");
        auth.MapPost("/logout", Logout).Validate<RefreshRequest>().WithName("logout");
        return app;
    }

    private sealed record LoginUser(
        string Id, string Email, string FullName, string PasswordHash, int TokenGeneration, bool TotpEnabled, DateTimeOffset CreatedAt);

    private sealed record PresentedToken(
        string Id, string FamilyId, string UserId, string OrganisationId, int TokenGeneration, DateTimeOffset ExpiresAt,
        DateTimeOffset? UsedAt, DateTimeOffset? RevokedAt, int CurrentGeneration, string? Role);

    private static async Task<Results<Created<RegistrationView>, ApiError>> Register(
        RegisterRequest request, [AsParameters] SessionServices services, CancellationToken cancellationToken)
    {
        var (db, tokens, _, clock) = services;
        var now = clock.GetUtcNow();
        var passwordHash = Passwords.Hash(request.Password!);
        var user = new UserView(Ids.New("usr"), request.Email!.Trim(), request.FullName!.Trim(), now);

        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var created = await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO users (id, email, full_name, password_hash, created_at)
            VALUES (@Id, @Email, @FullName, @PasswordHash, @CreatedAt)
            ON CONFLICT ((lower(email))) DO NOTHING
            """,
            new { user.Id, user.Email, user.FullName, PasswordHash = passwordHash, user.CreatedAt }, transaction, cancellationToken: cancellationToken));
        if (created == 0)
        {
            return ApiError.Conflict("An account with this email already exists. Log in instead.");
        }

        var organisation = await Organisations.CreateAsync(transaction, request.OrganisationName!.Trim(), user.Id, now, cancellationToken);
        var session = await tokens.IssueAsync(transaction, user.Id, 0, organisation.Id, "owner", familyId: null, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Created("/api/v1/auth/me", new RegistrationView(user, organisation, session));
    }

    private static async Task<Results<Ok<SessionView>, Ok<TotpChallengeView>, ApiError>> Login(
        LoginRequest request, [AsParameters] SessionServices services, CancellationToken cancellationToken)
    {
        var (db, tokens, options, clock) = services;
        var settings = options.Value;
        var now = clock.GetUtcNow();
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var user = await connection.QuerySingleOrDefaultAsync<LoginUser>(new CommandDefinition(
            """
            SELECT id, email, full_name, password_hash, token_generation, totp_secret IS NOT NULL AS totp_enabled, created_at
            FROM users WHERE lower(email) = lower(@Email)
            """,
            new { request.Email }, cancellationToken: cancellationToken));

        if (user is not null && await LoginAttempts.ReserveAsync(connection, null, user.Id, now, settings, cancellationToken) is { } locked)
        {
            return AuthErrors.AccountLocked(locked);
        }

        // Verified even for an unknown email (against a dummy hash), so both cost the same time.
        if (!Passwords.Verify(user?.PasswordHash, request.Password!) || user is null)
        {
            return AuthErrors.InvalidCredentials();
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var organisation = await connection.QueryFirstOrDefaultAsync<(string Id, string Role)>(new CommandDefinition(
            "SELECT organisation_id, role FROM memberships WHERE user_id = @Id ORDER BY created_at, organisation_id LIMIT 1",
            new { user.Id }, transaction, cancellationToken: cancellationToken));
        if (organisation.Id is null || user.TotpEnabled)
        {
            await LoginAttempts.ReleaseAsync(transaction, user.Id, settings, cancellationToken);
        }

        if (organisation.Id is null)
        {
            await transaction.CommitAsync(cancellationToken);
            return ApiError.Forbidden("This account belongs to no organisation any more.");
        }

        if (user.TotpEnabled)
        {
            var temporaryToken = "tt_" + Ids.RandomBase62(43);
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO login_challenges (token_hash, user_id, organisation_id, expires_at)
                VALUES (@TokenHash, @UserId, @OrganisationId, @ExpiresAt)
                """,
                new { TokenHash = TokenService.HashOpaque(temporaryToken), UserId = user.Id, OrganisationId = organisation.Id, ExpiresAt = now + settings.LoginChallengeLifetime },
                transaction, cancellationToken: cancellationToken));
            await transaction.CommitAsync(cancellationToken);
            return TypedResults.Ok(new TotpChallengeView(RequiresTotp: true, temporaryToken, (int)settings.LoginChallengeLifetime.TotalSeconds));
        }

        await LoginAttempts.ResetAsync(transaction, user.Id, cancellationToken);
        var session = await tokens.IssueAsync(transaction, user.Id, user.TokenGeneration, organisation.Id, organisation.Role, familyId: null, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(new SessionView(session, new UserView(user.Id, user.Email, user.FullName, user.CreatedAt)));
    }

    private static async Task<Results<Ok<SessionTokensView>, ApiError>> Refresh(
        RefreshRequest request, [AsParameters] SessionServices services, CancellationToken cancellationToken)
    {
        var (db, tokens, _, clock) = services;
        var now = clock.GetUtcNow();
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var presented = await FindAsync(transaction, request.RefreshToken!, cancellationToken);
        if (presented is null || presented.RevokedAt is not null || presented.ExpiresAt <= now)
        {
            return AuthErrors.InvalidRefreshToken();
        }

        if (presented.UsedAt is not null)
        {
            // Reuse of a rotated token means it leaked: end the whole session family, the thief's and the owner's.
            await RevokeFamilyAsync(transaction, presented.FamilyId, now, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return AuthErrors.InvalidRefreshToken();
        }

        if (presented.TokenGeneration != presented.CurrentGeneration || presented.Role is null)
        {
            return AuthErrors.InvalidRefreshToken();
        }

        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE refresh_tokens SET used_at = @Now WHERE id = @Id", new { Now = now, presented.Id }, transaction, cancellationToken: cancellationToken));
        var session = await tokens.IssueAsync(
            transaction, presented.UserId, presented.CurrentGeneration, presented.OrganisationId, presented.Role, presented.FamilyId, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(new SessionTokensView(session));
    }

    private static async Task<NoContent> Logout(RefreshRequest request, NpgsqlDataSource db, TimeProvider clock, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Unknown tokens are not an error: logging out is idempotent and reveals nothing.
        if (await FindAsync(transaction, request.RefreshToken!, cancellationToken) is { } presented)
        {
            await RevokeFamilyAsync(transaction, presented.FamilyId, clock.GetUtcNow(), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>Locks the presented token's row, so two concurrent refreshes cannot both rotate it.</summary>
    private static Task<PresentedToken?> FindAsync(NpgsqlTransaction transaction, string refreshToken, CancellationToken cancellationToken) =>
        transaction.Connection!.QuerySingleOrDefaultAsync<PresentedToken>(new CommandDefinition(
            """
            SELECT t.id, t.family_id, t.user_id, t.organisation_id, t.token_generation, t.expires_at, t.used_at, t.revoked_at,
                   u.token_generation AS current_generation, m.role
            FROM refresh_tokens t
            JOIN users u ON u.id = t.user_id
            LEFT JOIN memberships m ON m.user_id = t.user_id AND m.organisation_id = t.organisation_id
            WHERE t.token_hash = @TokenHash
            FOR UPDATE OF t
            """,
            new { TokenHash = TokenService.HashOpaque(refreshToken) }, transaction, cancellationToken: cancellationToken));

    private static Task<int> RevokeFamilyAsync(NpgsqlTransaction transaction, string familyId, DateTimeOffset now, CancellationToken cancellationToken) =>
        transaction.Connection!.ExecuteAsync(new CommandDefinition(
            "UPDATE refresh_tokens SET revoked_at = @Now WHERE family_id = @FamilyId AND revoked_at IS NULL",
            new { Now = now, FamilyId = familyId }, transaction, cancellationToken: cancellationToken));
}

/// <summary>Creating an organisation, shared by registration and <c>POST /organisations</c>.</summary>
internal static class Organisations
{
    public static async Task<OrganisationView> CreateAsync(
        NpgsqlTransaction transaction, string name, string ownerId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var organisation = new OrganisationView(Ids.New("org"), name, "standard", now);
        await transaction.Connection!.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO organisations (id, name, plan, created_at, updated_at) VALUES (@Id, @Name, @Plan, @CreatedAt, @CreatedAt);
            INSERT INTO memberships (user_id, organisation_id, role, created_at) VALUES (@OwnerId, @Id, 'owner', @CreatedAt);
            """,
            new { organisation.Id, organisation.Name, organisation.Plan, organisation.CreatedAt, OwnerId = ownerId },
            transaction, cancellationToken: cancellationToken));
        await Outbox.EnqueueAsync(transaction, new OrganisationCreated
        {
            OrganisationId = organisation.Id,
            Name = organisation.Name,
            Plan = organisation.Plan,
            CreatedBy = ownerId,
            // The columns' defaults are these: a new organisation starts at version 1 of its settings.
            Settings = OrganisationSettings.Defaults,
            Version = 1,
            OccurredAt = now,
        }, organisation.Id, cancellationToken);
        return organisation;
    }
}
