using Dapper;
using Npgsql;

namespace Accounting.Auth.Members;

/// <summary>The SQL every membership change shares.</summary>
internal static class Memberships
{
    /// <summary>
    /// Locks the organisation's row: membership changes of one organisation run one at a time, so
    /// counting its owners and acting on the count cannot race, and its events keep their order.
    /// Returns the organisation's name and the acting user's role as it is now, not as their
    /// access token (up to 15 minutes old) says.
    /// </summary>
    public static Task<(string Name, string? ActorRole)> LockAsync(
        NpgsqlTransaction transaction, string organisationId, string actorId, CancellationToken cancellationToken) =>
        transaction.Connection!.QuerySingleAsync<(string, string?)>(new CommandDefinition(
            """
            SELECT o.name, m.role FROM organisations o
            LEFT JOIN memberships m ON m.organisation_id = o.id AND m.user_id = @ActorId
            WHERE o.id = @OrganisationId
            FOR UPDATE OF o
            """,
            new { OrganisationId = organisationId, ActorId = actorId }, transaction, cancellationToken: cancellationToken));

    /// <summary>The same lock, for a change no member of the organisation makes (accepting an invitation).</summary>
    public static Task LockOrganisationAsync(NpgsqlTransaction transaction, string organisationId, CancellationToken cancellationToken) =>
        transaction.Connection!.ExecuteAsync(new CommandDefinition(
            "SELECT 1 FROM organisations WHERE id = @OrganisationId FOR UPDATE",
            new { OrganisationId = organisationId }, transaction, cancellationToken: cancellationToken));

    public static Task<string?> RoleOfAsync(NpgsqlTransaction transaction, string organisationId, string userId, CancellationToken cancellationToken) =>
        transaction.Connection!.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT role FROM memberships WHERE organisation_id = @OrganisationId AND user_id = @UserId FOR UPDATE",
            new { OrganisationId = organisationId, UserId = userId }, transaction, cancellationToken: cancellationToken));

    public static Task<int> CountOwnersAsync(NpgsqlTransaction transaction, string organisationId, CancellationToken cancellationToken) =>
        transaction.Connection!.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT count(*) FROM memberships WHERE organisation_id = @OrganisationId AND role = 'owner'",
            new { OrganisationId = organisationId }, transaction, cancellationToken: cancellationToken));
}
