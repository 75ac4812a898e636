using Accounting.Auth.Endpoints;
using Accounting.Auth.Security;
using Accounting.Contracts.Auth;
using Accounting.Messaging;
using Accounting.Postgres;
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

namespace Accounting.Auth.Members;

public sealed record InviteRequest(string? Email, string? Role);

/// <summary>The only answer that ever holds the token.</summary>
public sealed record InvitationView(string Id, string Email, string Role, string Token, DateTimeOffset ExpiresAt);

public sealed record AcceptInvitationRequest(string? Token, string? FullName, string? Password);

public sealed record AcceptedInvitationView(Tokens Tokens, UserView User);

public sealed class InviteValidator : AbstractValidator<InviteRequest>
{
    public InviteValidator()
    {
        RuleFor(r => r.Email).NotEmpty().EmailAddress().MaximumLength(254);
        RuleFor(r => r.Role).NotEmpty().Must(role => ApiScopes.Roles.Contains(role!)).WithMessage("role must be owner, admin, accountant or viewer.");
    }
}

public sealed class AcceptInvitationValidator : AbstractValidator<AcceptInvitationRequest>
{
    public AcceptInvitationValidator()
    {
        RuleFor(r => r.Token).NotEmpty().MaximumLength(200);
        RuleFor(r => r.FullName).MaximumLength(200);
        RuleFor(r => r.Password).MaximumLength(1024);
    }
}

public sealed record InvitationServices(WriteTransactions Transactions, IOptions<AuthOptions> Options, TimeProvider Clock);

public sealed record AcceptServices(WriteTransactions Transactions, TokenService Tokens, TimeProvider Clock);

/// <summary>
/// Invitations of contract §3. The token is random, shown once to the inviter and stored only as
/// a hash; it admits the invited email alone, once, within <see cref="AuthOptions.InvitationLifetime"/>.
/// </summary>
public static class InvitationEndpoints
{
    private const string TokenPrefix = "inv_";

    public static IEndpointRouteBuilder MapInvitationEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/organisation/invitations", Invite).RequireUser("owner", "admin").Validate<InviteRequest>().WithName("createInvitation");
        // Public: a new user has no credential yet; an existing one sends their own access token.
        app.MapPost("/api/v1/auth/accept-invitation", Accept).AllowAnonymous().Validate<AcceptInvitationRequest>().WithName("acceptInvitation")
            .ProducesError(401, "The access token sent is invalid or expired.")
            .ProducesError(403, "The credential is an API key, or the invitation was sent to another email address.")
            .ProducesError(409, "The invitation was already used, the user is already a member, or an account with the email exists (log in and accept with its token).");
        return app;
    }

    private sealed record PendingInvitation(
        string Id, string OrganisationId, string Email, string Role, string InvitedBy, DateTimeOffset ExpiresAt, DateTimeOffset? AcceptedAt, DateTimeOffset? RevokedAt);

    private static async Task<Results<Created<InvitationView>, ApiError>> Invite(
        InviteRequest request, Caller caller, [AsParameters] InvitationServices services, CancellationToken cancellationToken)
    {
        var email = request.Email!.Trim();
        var now = services.Clock.GetUtcNow();
        await using var write = await services.Transactions.BeginAsync(cancellationToken);
        var (organisationName, actorRole) = await Memberships.LockAsync(write.Transaction, caller.OrganisationId, caller.PrincipalId, cancellationToken);
        if (!MembershipRules.CanManageMembers(actorRole))
        {
            return ApiError.Forbidden("Only an owner or admin of this organisation can invite.");
        }

        if (!MembershipRules.MayGrant(actorRole!, request.Role!))
        {
            return ApiError.Forbidden("Only an owner can invite an owner.");
        }

        var alreadyMember = await write.Connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            """
            SELECT EXISTS (SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
                           WHERE m.organisation_id = @OrganisationId AND lower(u.email) = lower(@Email))
            """,
            new { caller.OrganisationId, Email = email }, write.Transaction, cancellationToken: cancellationToken));
        if (alreadyMember)
        {
            return ApiError.Conflict("This email already belongs to a member of the organisation.");
        }

        var inviterName = await write.Connection.QuerySingleAsync<string>(new CommandDefinition(
            "SELECT full_name FROM users WHERE id = @PrincipalId", new { caller.PrincipalId }, write.Transaction, cancellationToken: cancellationToken));
        var token = TokenPrefix + Ids.RandomBase62(43);
        var invitation = new InvitationView(Ids.New("ivt"), email, request.Role!, token, now + services.Options.Value.InvitationLifetime);
        // Inviting the same email again replaces the pending invitation, so only the newest link works.
        await write.Connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE invitations SET revoked_at = @Now
            WHERE organisation_id = @OrganisationId AND lower(email) = lower(@Email) AND accepted_at IS NULL AND revoked_at IS NULL;
            INSERT INTO invitations (id, organisation_id, email, role, token_hash, invited_by, created_at, expires_at)
            VALUES (@Id, @OrganisationId, @Email, @Role, @TokenHash, @InvitedBy, @Now, @ExpiresAt);
            """,
            new
            {
                invitation.Id, caller.OrganisationId, invitation.Email, invitation.Role, TokenHash = TokenService.HashOpaque(token),
                InvitedBy = caller.PrincipalId, Now = now, invitation.ExpiresAt,
            },
            write.Transaction, cancellationToken: cancellationToken));
        await Outbox.EnqueueAsync(write.Transaction, new InvitationCreated
        {
            OrganisationId = caller.OrganisationId,
            InvitationId = invitation.Id,
            Email = invitation.Email,
            Role = invitation.Role,
            OrganisationName = organisationName,
            InvitedBy = caller.PrincipalId,
            InvitedByName = inviterName,
            ExpiresAt = invitation.ExpiresAt,
            OccurredAt = now,
        }, caller.OrganisationId, cancellationToken);
        await write.CommitAsync(cancellationToken);
        return TypedResults.Created($"/api/v1/organisation/invitations/{invitation.Id}", invitation);
    }

    private static async Task<Results<Ok<AcceptedInvitationView>, ApiError>> Accept(
        HttpRequest http, AcceptInvitationRequest request, Caller? caller, [AsParameters] AcceptServices services, CancellationToken cancellationToken)
    {
        if (Credentials(http, request, caller) is { } refused)
        {
            return refused;
        }

        // Hashed before any lock is taken: it is the slow part.
        var passwordHash = caller is null ? Passwords.Hash(request.Password!) : null;
        var now = services.Clock.GetUtcNow();
        await using var write = await services.Transactions.BeginAsync(cancellationToken);
        var invitation = await write.Connection.QuerySingleOrDefaultAsync<PendingInvitation>(new CommandDefinition(
            """
            SELECT id, organisation_id, email, role, invited_by, expires_at, accepted_at, revoked_at
            FROM invitations WHERE token_hash = @TokenHash FOR UPDATE
            """,
            new { TokenHash = TokenService.HashOpaque(request.Token!) }, write.Transaction, cancellationToken: cancellationToken));
        if (invitation is null || invitation.RevokedAt is not null)
        {
            return ApiError.ValidationFailed("token", "This invitation token is not valid. Ask for a new invitation.");
        }

        if (invitation.AcceptedAt is not null)
        {
            return ApiError.Conflict("This invitation has already been used.");
        }

        if (invitation.ExpiresAt <= now)
        {
            return ApiError.ValidationFailed("token", $"This invitation expired at {invitation.ExpiresAt:yyyy-MM-ddTHH:mm:ssZ}. Ask for a new one.");
        }

        await Memberships.LockOrganisationAsync(write.Transaction, invitation.OrganisationId, cancellationToken);
        var joining = caller is null
            ? await CreateUserAsync(write.Transaction, invitation.Email, request.FullName!.Trim(), passwordHash!, now, cancellationToken)
            : await ExistingUserAsync(write.Transaction, caller.PrincipalId, invitation.Email, cancellationToken);
        if (joining.Error is { } error)
        {
            return error;
        }

        var user = joining.User!;
        var added = await write.Connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO memberships (user_id, organisation_id, role, created_at) VALUES (@UserId, @OrganisationId, @Role, @Now)
            ON CONFLICT (user_id, organisation_id) DO NOTHING
            """,
            new { UserId = user.Id, invitation.OrganisationId, invitation.Role, Now = now }, write.Transaction, cancellationToken: cancellationToken));
        if (added == 0)
        {
            return ApiError.Conflict("You are already a member of this organisation.");
        }

        await write.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE invitations SET accepted_at = @Now, accepted_by = @UserId WHERE id = @Id",
            new { Now = now, UserId = user.Id, invitation.Id }, write.Transaction, cancellationToken: cancellationToken));
        await Outbox.EnqueueAsync(write.Transaction, new MemberAdded
        {
            OrganisationId = invitation.OrganisationId,
            UserId = user.Id,
            Email = user.Email,
            Role = invitation.Role,
            InvitationId = invitation.Id,
            InvitedBy = invitation.InvitedBy,
            OccurredAt = now,
        }, invitation.OrganisationId, cancellationToken);
        var session = await services.Tokens.IssueAsync(
            write.Transaction, user.Id, joining.TokenGeneration, invitation.OrganisationId, invitation.Role, familyId: null, cancellationToken);
        await write.CommitAsync(cancellationToken);
        return TypedResults.Ok(new AcceptedInvitationView(session, user));
    }

    /// <summary>A signed-in user accepts with their token alone; anyone else names themselves and picks a password.</summary>
    private static ApiError? Credentials(HttpRequest http, AcceptInvitationRequest request, Caller? caller)
    {
        if (caller is { PrincipalType: not PrincipalType.User })
        {
            return ApiError.Forbidden("Invitations are accepted by people: send a user access token, or no credential at all.");
        }

        if (caller is null && http.Headers.Authorization.Count > 0)
        {
            // The gateway lets a failed credential through on this public route; joining as someone new instead would surprise.
            return ApiError.InvalidToken("The access token is invalid or expired. Refresh it and accept again.");
        }

        var errors = new List<FieldError>();
        if (caller is not null)
        {
            if (request.Password is not null)
            {
                errors.Add(new("password", "You are signed in: accept without a password."));
            }

            if (request.FullName is not null)
            {
                errors.Add(new("full_name", "You are signed in: your account keeps its name."));
            }
        }
        else
        {
            if (string.IsNullOrWhiteSpace(request.FullName))
            {
                errors.Add(new("full_name", "full_name is required to create your account (or sign in and send your access token)."));
            }

            if (request.Password is not { Length: >= Passwords.MinimumLength })
            {
                errors.Add(new("password", $"password must be at least {Passwords.MinimumLength} characters."));
            }
        }

        return errors.Count > 0 ? ApiError.ValidationFailed(errors) : null;
    }

    private sealed record Joining(UserView? User, int TokenGeneration, ApiError? Error);

    private static async Task<Joining> CreateUserAsync(
        NpgsqlTransaction transaction, string email, string fullName, string passwordHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var user = new UserView(Ids.New("usr"), email, fullName, now);
        var created = await transaction.Connection!.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO users (id, email, full_name, password_hash, created_at)
            VALUES (@Id, @Email, @FullName, @PasswordHash, @CreatedAt)
            ON CONFLICT ((lower(email))) DO NOTHING
            """,
            new { user.Id, user.Email, user.FullName, PasswordHash = passwordHash, user.CreatedAt }, transaction, cancellationToken: cancellationToken));
        return created == 0
            ? new Joining(null, 0, ApiError.Conflict("An account with this email already exists. Log in and accept the invitation with your access token."))
            : new Joining(user, 0, null);
    }

    private static async Task<Joining> ExistingUserAsync(NpgsqlTransaction transaction, string userId, string invitedEmail, CancellationToken cancellationToken)
    {
        var user = await transaction.Connection!.QuerySingleOrDefaultAsync<(string Id, string Email, string FullName, DateTimeOffset CreatedAt, int TokenGeneration)>(
            new CommandDefinition(
                "SELECT id, email, full_name, created_at, token_generation FROM users WHERE id = @UserId",
                new { UserId = userId }, transaction, cancellationToken: cancellationToken));
        if (user.Id is null || !string.Equals(user.Email, invitedEmail, StringComparison.OrdinalIgnoreCase))
        {
            return new Joining(null, 0, ApiError.Forbidden("This invitation was sent to another email address."));
        }

        return new Joining(new UserView(user.Id, user.Email, user.FullName, user.CreatedAt), user.TokenGeneration, null);
    }
}
