using Accounting.Contracts.Auth;
using Accounting.Messaging;
using Accounting.Postgres;
using Accounting.ServiceDefaults.Errors;
using Accounting.ServiceDefaults.Http;
using Accounting.ServiceDefaults.Identity;
using Accounting.ServiceDefaults.OpenApi;
using Accounting.ServiceDefaults.Validation;
using Dapper;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Accounting.Auth.Members;

public sealed record MemberView(string UserId, string Email, string FullName, string Role, DateTimeOffset JoinedAt);

public sealed record ChangeRoleRequest(string? Role);

public sealed class ChangeRoleValidator : AbstractValidator<ChangeRoleRequest>
{
    public ChangeRoleValidator() => RuleFor(r => r.Role).NotEmpty().Must(role => ApiScopes.Roles.Contains(role!))
        .WithMessage("role must be owner, admin, accountant or viewer.");
}

public sealed record MembershipServices(WriteTransactions Transactions, TimeProvider Clock);

/// <summary>
/// The members of the caller's organisation (contract §3): any member may list them; owners and
/// admins change roles and remove members, always judged by their role as it is now.
/// </summary>
public static class MemberEndpoints
{
    public static IEndpointRouteBuilder MapMemberEndpoints(this IEndpointRouteBuilder app)
    {
        var members = app.MapGroup("/api/v1/organisation/members");
        members.MapGet("/", List).RequireUser().WithName("listMembers");
        members.MapPatch("/{userId}", ChangeRole).RequireUser("owner", "admin").Validate<ChangeRoleRequest>().WithName("updateMember")
            .ProducesError(409, LastOwner);
        members.MapDelete("/{userId}", Remove).RequireUser("owner", "admin").WithName("removeMember")
            .ProducesError(409, LastOwner);
        return app;
    }

    private const string LastOwner = "The member is the organisation's last owner: make another member an owner first.";

    private const string MemberColumns = "u.id AS user_id, u.email, u.full_name, m.role, m.created_at AS joined_at";

    private static async Task<Ok<Page<MemberView>>> List(Caller caller, PageRequest page, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var members = (await connection.QueryAsync<MemberView>(new CommandDefinition(
            $"""
            SELECT {MemberColumns} FROM memberships m JOIN users u ON u.id = m.user_id
            WHERE m.organisation_id = @OrganisationId ORDER BY m.created_at DESC, u.id LIMIT @Limit OFFSET @Offset
            """,
            new { caller.OrganisationId, page.Limit, page.Offset }, cancellationToken: cancellationToken))).AsList();
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT count(*) FROM memberships WHERE organisation_id = @OrganisationId", new { caller.OrganisationId }, cancellationToken: cancellationToken));
        return TypedResults.Ok(Page.Of(members, page, total));
    }

    private static async Task<Results<Ok<MemberView>, ApiError>> ChangeRole(
        string userId, ChangeRoleRequest request, Caller caller, [AsParameters] MembershipServices services, CancellationToken cancellationToken)
    {
        var role = request.Role!;
        await using var write = await services.Transactions.BeginAsync(cancellationToken);
        var (_, actorRole) = await Memberships.LockAsync(write.Transaction, caller.OrganisationId, caller.PrincipalId, cancellationToken);
        if (!MembershipRules.CanManageMembers(actorRole))
        {
            return ApiError.Forbidden("Only an owner or admin of this organisation can change roles.");
        }

        var currentRole = await Memberships.RoleOfAsync(write.Transaction, caller.OrganisationId, userId, cancellationToken);
        if (currentRole is null)
        {
            return ApiError.NotFound("No such member in this organisation.");
        }

        if (!MembershipRules.MayManage(actorRole!, currentRole) || !MembershipRules.MayGrant(actorRole!, role))
        {
            return ApiError.Forbidden("Only an owner can make someone an owner or change an owner's role.");
        }

        var owners = await Memberships.CountOwnersAsync(write.Transaction, caller.OrganisationId, cancellationToken);
        if (!MembershipRules.KeepsAnOwner(owners, currentRole, role))
        {
            return ApiError.Conflict("This is the organisation's last owner. Make another member an owner first.");
        }

        // The member's next refresh reads the role from here, so their next access token carries it.
        var member = await write.Connection.QuerySingleAsync<MemberView>(new CommandDefinition(
            $"""
            UPDATE memberships m SET role = @Role FROM users u
            WHERE m.organisation_id = @OrganisationId AND m.user_id = @UserId AND u.id = m.user_id
            RETURNING {MemberColumns}
            """,
            new { Role = role, caller.OrganisationId, UserId = userId }, write.Transaction, cancellationToken: cancellationToken));
        await write.CommitAsync(cancellationToken);
        return TypedResults.Ok(member);
    }

    private static async Task<Results<NoContent, ApiError>> Remove(
        string userId, Caller caller, [AsParameters] MembershipServices services, CancellationToken cancellationToken)
    {
        await using var write = await services.Transactions.BeginAsync(cancellationToken);
        var (_, actorRole) = await Memberships.LockAsync(write.Transaction, caller.OrganisationId, caller.PrincipalId, cancellationToken);
        if (!MembershipRules.CanManageMembers(actorRole))
        {
            return ApiError.Forbidden("Only an owner or admin of this organisation can remove members.");
        }

        var role = await Memberships.RoleOfAsync(write.Transaction, caller.OrganisationId, userId, cancellationToken);
        if (role is null)
        {
            return ApiError.NotFound("No such member in this organisation.");
        }

        if (!MembershipRules.MayManage(actorRole!, role))
        {
            return ApiError.Forbidden("Only an owner can remove an owner.");
        }

        var owners = await Memberships.CountOwnersAsync(write.Transaction, caller.OrganisationId, cancellationToken);
        if (!MembershipRules.KeepsAnOwner(owners, role, newRole: null))
        {
            return ApiError.Conflict("This is the organisation's last owner. Make another member an owner first.");
        }

        var now = services.Clock.GetUtcNow();
        // Their refresh tokens for this organisation die with the membership; other organisations' sessions go on.
        await write.Connection.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM memberships WHERE organisation_id = @OrganisationId AND user_id = @UserId;
            UPDATE refresh_tokens SET revoked_at = @Now WHERE organisation_id = @OrganisationId AND user_id = @UserId AND revoked_at IS NULL;
            """,
            new { caller.OrganisationId, UserId = userId, Now = now }, write.Transaction, cancellationToken: cancellationToken));
        await Outbox.EnqueueAsync(write.Transaction, new MemberRemoved
        {
            OrganisationId = caller.OrganisationId,
            UserId = userId,
            Role = role,
            RemovedBy = caller.PrincipalId,
            OccurredAt = now,
        }, caller.OrganisationId, cancellationToken);
        await write.CommitAsync(cancellationToken);
        return TypedResults.NoContent();
    }
}
