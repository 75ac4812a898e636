namespace Accounting.Auth.Members;

/// <summary>
/// Who may change whose membership (contract §3). Owners and admins manage members; only an owner
/// grants ownership or touches another owner's; an organisation never loses its last owner.
/// </summary>
public static class MembershipRules
{
    public const string Owner = "owner";

    public static bool CanManageMembers(string? actorRole) => actorRole is Owner or "admin";

    /// <summary>Whether <paramref name="actorRole"/> may give someone <paramref name="role"/> (by invitation or a role change).</summary>
    public static bool MayGrant(string actorRole, string role) => role != Owner || actorRole == Owner;

    /// <summary>Whether <paramref name="actorRole"/> may change or remove a member who has <paramref name="targetRole"/>.</summary>
    public static bool MayManage(string actorRole, string targetRole) => targetRole != Owner || actorRole == Owner;

    /// <summary>Whether the organisation still has an owner once a member with <paramref name="targetRole"/> gets <paramref name="newRole"/> (null: removed).</summary>
    public static bool KeepsAnOwner(int owners, string targetRole, string? newRole) => targetRole != Owner || newRole == Owner || owners > 1;
}
