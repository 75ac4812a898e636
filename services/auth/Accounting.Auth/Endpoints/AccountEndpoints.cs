using Accounting.Auth.Security;
using Accounting.Postgres;
using Accounting.ServiceDefaults.Errors;
using Accounting.ServiceDefaults.Identity;
using Accounting.ServiceDefaults.OpenApi;
using Accounting.ServiceDefaults.Security;
using Accounting.ServiceDefaults.Validation;
using Dapper;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Accounting.Auth.Endpoints;

public sealed record TotpCodeRequest(string? Code);

public sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword);

public sealed record SwitchOrganisationRequest(string? OrganisationId);

public sealed class TotpCodeValidator : AbstractValidator<TotpCodeRequest>
{
    public TotpCodeValidator() => RuleFor(r => r.Code).NotEmpty().Matches("^[0-9]{6}$").WithMessage("code must be the 6 digits shown by your authenticator app.");
}

public sealed class ChangePasswordValidator : AbstractValidator<ChangePasswordRequest>
{
    public ChangePasswordValidator()
    {
        RuleFor(r => r.CurrentPassword).NotEmpty().MaximumLength(1024);
        RuleFor(r => r.NewPassword).NotEmpty().MinimumLength(Passwords.MinimumLength).MaximumLength(1024);
    }
}

public sealed class SwitchOrganisationValidator : AbstractValidator<SwitchOrganisationRequest>
{
    public SwitchOrganisationValidator() => RuleFor(r => r.OrganisationId).NotEmpty().MaximumLength(64);
}

public sealed record TotpServices(WriteTransactions Transactions, SecretProtector Protector, IOptions<AuthOptions> Options, TimeProvider Clock);

public sealed record TotpLoginServices(NpgsqlDataSource Db, TokenService Tokens, SecretProtector Protector, IOptions<AuthOptions> Options, TimeProvider Clock);

/// <summary>What a signed-in user does with their own account: profile, password, second factor, organisation.</summary>
public static class AccountEndpoints
{
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        // The temporary token of a TOTP login is the credential here, not a session.
        app.MapPost("/api/v1/auth/totp/verify", VerifyTotpLogin).AllowAnonymous().Validate<TotpCodeRequest>()
            .ProducesError(401, "No temporary token, one that is invalid or expired, or a wrong code (`totp_required`, `invalid_token`, `invalid_totp`).")
            .ProducesError(423, "Too many failed logins: the account is locked for a while (`account_locked`).");

        var account = app.MapGroup("/api/v1/auth").RequireUser();
        account.MapGet("/me", Me).WithName("getCurrentUser").ProducesError(404, "The user, or their membership of this session's organisation, no longer exists.");
        account.MapPost("/password", ChangePassword).Validate<ChangePasswordRequest>().WithName("changePassword");
        account.MapPost("/totp/setup", SetUpTotp).WithName("setUpTotp");
        account.MapPost("/totp/enable", EnableTotp).Validate<TotpCodeRequest>();
        account.MapPost("/totp/disable", DisableTotp).Validate<TotpCodeRequest>();
        account.MapPost("/switch-organisation", SwitchOrganisation).Validate<SwitchOrganisationRequest>().WithName("switchOrganisation")
            .ProducesError(404, "The user is not a member of that organisation.");
        return app;
    }

    private sealed record TotpState(string Email, byte[]? TotpSecret, byte[]? TotpPendingSecret, long? TotpLastStep, int TokenGeneration);

    private sealed record Challenge(string UserId, string OrganisationId, DateTimeOffset ExpiresAt, DateTimeOffset? UsedAt, int FailedAttempts);

    private static async Task<Results<Ok<MeView>, ApiError>> Me(Caller caller, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var user = await connection.QuerySingleOrDefaultAsync<UserView>(new CommandDefinition(
            "SELECT id, email, full_name, created_at FROM users WHERE id = @PrincipalId", new { caller.PrincipalId }, cancellationToken: cancellationToken));
        if (user is null)
        {
            return ApiError.NotFound("The user no longer exists.");
        }

        var memberships = (await connection.QueryAsync<MembershipView>(new CommandDefinition(
            """
            SELECT o.id, o.name, o.plan, m.role, o.created_at FROM memberships m JOIN organisations o ON o.id = m.organisation_id
            WHERE m.user_id = @PrincipalId ORDER BY m.created_at, o.id
            """,
            new { caller.PrincipalId }, cancellationToken: cancellationToken))).AsList();
        var current = memberships.Find(m => m.Id == caller.OrganisationId);
        if (current is null)
        {
            return ApiError.NotFound("You are no longer a member of this organisation.");
        }

        return TypedResults.Ok(new MeView(
            user.Id, user.Email, user.FullName, current.Role, new CurrentOrganisationView(current.Id, current.Name),
            [.. memberships.Select(m => new MemberOfView(m.Id, m.Name, m.Role))]));
    }

    private static async Task<Results<NoContent, ApiError>> ChangePassword(
        ChangePasswordRequest request, Caller caller, WriteTransactions transactions, TimeProvider clock, CancellationToken cancellationToken)
    {
        await using var write = await transactions.BeginAsync(cancellationToken);
        var hash = await write.Connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT password_hash FROM users WHERE id = @PrincipalId FOR UPDATE", new { caller.PrincipalId }, write.Transaction, cancellationToken: cancellationToken));
        if (!Passwords.Verify(hash, request.CurrentPassword!))
        {
            return ApiError.ValidationFailed("current_password", "The current password is incorrect.");
        }

        var newHash = Passwords.Hash(request.NewPassword!);
        // A new generation makes every refresh token issued before this moment worthless.
        await write.Connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE users SET password_hash = @NewHash, token_generation = token_generation + 1 WHERE id = @PrincipalId;
            UPDATE refresh_tokens SET revoked_at = @Now WHERE user_id = @PrincipalId AND revoked_at IS NULL;
            """,
            new { NewHash = newHash, caller.PrincipalId, Now = clock.GetUtcNow() }, write.Transaction, cancellationToken: cancellationToken));
        await write.CommitAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<TotpSetupView>, ApiError>> SetUpTotp(
        Caller caller, [AsParameters] TotpServices services, CancellationToken cancellationToken)
    {
        await using var write = await services.Transactions.BeginAsync(cancellationToken);
        var state = await LockTotpStateAsync(write.Transaction, caller.PrincipalId, cancellationToken);
        if (state.TotpSecret is not null)
        {
            return ApiError.Conflict("Two-factor authentication is already enabled. Disable it first to set up a new authenticator.");
        }

        var secret = Totp.GenerateSecret();
        await write.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE users SET totp_pending_secret = @Secret WHERE id = @PrincipalId",
            new { Secret = services.Protector.Protect(secret, TotpPurpose(caller.PrincipalId)), caller.PrincipalId }, write.Transaction, cancellationToken: cancellationToken));
        await write.CommitAsync(cancellationToken);
        return TypedResults.Ok(new TotpSetupView(Totp.ToBase32(secret), Totp.OtpAuthUri(services.Options.Value.TotpIssuer, state.Email, secret)));
    }

    private static async Task<Results<NoContent, ApiError>> EnableTotp(
        TotpCodeRequest request, Caller caller, [AsParameters] TotpServices services, CancellationToken cancellationToken)
    {
        await using var write = await services.Transactions.BeginAsync(cancellationToken);
        var state = await LockTotpStateAsync(write.Transaction, caller.PrincipalId, cancellationToken);
        if (state.TotpSecret is not null)
        {
            return ApiError.Conflict("Two-factor authentication is already enabled.");
        }

        if (state.TotpPendingSecret is null)
        {
            return ApiError.Conflict("Call /auth/totp/setup first, then confirm with a code from your authenticator app.");
        }

        var secret = services.Protector.Unprotect(state.TotpPendingSecret, TotpPurpose(caller.PrincipalId));
        if (Totp.Verify(secret, request.Code!, services.Clock.GetUtcNow(), state.TotpLastStep) is not { } step)
        {
            return AuthErrors.InvalidTotp();
        }

        await write.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE users SET totp_secret = totp_pending_secret, totp_pending_secret = NULL, totp_last_step = @Step WHERE id = @PrincipalId",
            new { Step = step, caller.PrincipalId }, write.Transaction, cancellationToken: cancellationToken));
        await write.CommitAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ApiError>> DisableTotp(
        TotpCodeRequest request, Caller caller, [AsParameters] TotpServices services, CancellationToken cancellationToken)
    {
        await using var write = await services.Transactions.BeginAsync(cancellationToken);
        var state = await LockTotpStateAsync(write.Transaction, caller.PrincipalId, cancellationToken);
        if (state.TotpSecret is null)
        {
            return ApiError.Conflict("Two-factor authentication is not enabled.");
        }

        var secret = services.Protector.Unprotect(state.TotpSecret, TotpPurpose(caller.PrincipalId));
        if (Totp.Verify(secret, request.Code!, services.Clock.GetUtcNow(), state.TotpLastStep) is null)
        {
            return AuthErrors.InvalidTotp();
        }

        await write.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE users SET totp_secret = NULL, totp_pending_secret = NULL, totp_last_step = NULL WHERE id = @PrincipalId",
            new { caller.PrincipalId }, write.Transaction, cancellationToken: cancellationToken));
        await write.CommitAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<SessionView>, ApiError>> VerifyTotpLogin(
        HttpRequest http, TotpCodeRequest request, [AsParameters] TotpLoginServices services, CancellationToken cancellationToken)
    {
        var (db, tokens, protector, options, clock) = services;
        var header = http.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer tt_", StringComparison.Ordinal))
        {
            return AuthErrors.TotpRequired();
        }

        var now = clock.GetUtcNow();
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var tokenHash = TokenService.HashOpaque(header["Bearer ".Length..]);
        var challenge = await connection.QuerySingleOrDefaultAsync<Challenge>(new CommandDefinition(
            "SELECT user_id, organisation_id, expires_at, used_at, failed_attempts FROM login_challenges WHERE token_hash = @TokenHash FOR UPDATE",
            new { TokenHash = tokenHash }, transaction, cancellationToken: cancellationToken));
        if (challenge is null || challenge.UsedAt is not null || challenge.ExpiresAt <= now)
        {
            return AuthErrors.InvalidTemporaryToken();
        }

        // A wrong code is a failed login: five of them lock the account, however many challenges they are spread over.
        if (await LoginAttempts.ReserveAsync(connection, transaction, challenge.UserId, now, options.Value, cancellationToken) is { } locked)
        {
            return AuthErrors.AccountLocked(locked);
        }

        var state = await LockTotpStateAsync(transaction, challenge.UserId, cancellationToken);
        var secret = state.TotpSecret is null ? null : protector.Unprotect(state.TotpSecret, TotpPurpose(challenge.UserId));
        if (secret is null || Totp.Verify(secret, request.Code!, now, state.TotpLastStep) is not { } step)
        {
            // Each wrong code also costs the challenge an attempt; the last one burns it.
            await connection.ExecuteAsync(new CommandDefinition(
                """
                UPDATE login_challenges SET failed_attempts = failed_attempts + 1,
                    used_at = CASE WHEN failed_attempts + 1 >= @Attempts THEN @Now END
                WHERE token_hash = @TokenHash
                """,
                new { TokenHash = tokenHash, Now = now, Attempts = options.Value.LoginChallengeAttempts }, transaction, cancellationToken: cancellationToken));
            await transaction.CommitAsync(cancellationToken);
            return AuthErrors.InvalidTotp();
        }

        var role = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT role FROM memberships WHERE user_id = @UserId AND organisation_id = @OrganisationId",
            new { challenge.UserId, challenge.OrganisationId }, transaction, cancellationToken: cancellationToken));
        if (role is null)
        {
            return AuthErrors.InvalidTemporaryToken();
        }

        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE login_challenges SET used_at = @Now WHERE token_hash = @TokenHash;
            UPDATE users SET totp_last_step = @Step WHERE id = @UserId;
            """,
            new { TokenHash = tokenHash, Now = now, Step = step, challenge.UserId }, transaction, cancellationToken: cancellationToken));
        await LoginAttempts.ResetAsync(transaction, challenge.UserId, cancellationToken);
        var session = await tokens.IssueAsync(transaction, challenge.UserId, state.TokenGeneration, challenge.OrganisationId, role, familyId: null, cancellationToken);
        var user = await connection.QuerySingleAsync<UserView>(new CommandDefinition(
            "SELECT id, email, full_name, created_at FROM users WHERE id = @UserId", new { challenge.UserId }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(new SessionView(session, user));
    }

    private static async Task<Results<Ok<SessionTokensView>, ApiError>> SwitchOrganisation(
        SwitchOrganisationRequest request, Caller caller, WriteTransactions transactions, TokenService tokens, CancellationToken cancellationToken)
    {
        await using var write = await transactions.BeginAsync(cancellationToken);
        var membership = await write.Connection.QuerySingleOrDefaultAsync<(string Role, int TokenGeneration)>(new CommandDefinition(
            """
            SELECT m.role, u.token_generation FROM memberships m JOIN users u ON u.id = m.user_id
            WHERE m.user_id = @PrincipalId AND m.organisation_id = @OrganisationId
            """,
            new { caller.PrincipalId, request.OrganisationId }, write.Transaction, cancellationToken: cancellationToken));
        if (membership.Role is null)
        {
            return ApiError.NotFound("No such organisation among yours.");
        }

        var session = await tokens.IssueAsync(write.Transaction, caller.PrincipalId, membership.TokenGeneration, request.OrganisationId!, membership.Role, familyId: null, cancellationToken);
        await write.CommitAsync(cancellationToken);
        return TypedResults.Ok(new SessionTokensView(session));
    }

    /// <summary>Row-locked, so two concurrent requests cannot both accept the same code.</summary>
    private static Task<TotpState> LockTotpStateAsync(NpgsqlTransaction transaction, string userId, CancellationToken cancellationToken) =>
        transaction.Connection!.QuerySingleAsync<TotpState>(new CommandDefinition(
            "SELECT email, totp_secret, totp_pending_secret, totp_last_step, token_generation FROM users WHERE id = @UserId FOR UPDATE",
            new { UserId = userId }, transaction, cancellationToken: cancellationToken));

    private static string TotpPurpose(string userId) => "totp:" + userId;
}
