namespace Accounting.Contracts.Auth;

/// <summary>
/// Someone was invited to join the organisation. Carries what a mailer needs to write the email,
/// never the token: events reach webhook subscribers, and a token in them would let any of them
/// join. The token is shown once, in the inviter's response, and the inviter (or the product's
/// front end acting for them) puts it in the link it sends, e.g. <c>…/accept?token=…</c>.
/// </summary>
[EventContract("invitation.created", 1)]
public sealed record InvitationCreated : IntegrationEvent
{
    public required string InvitationId { get; init; }

    public required string Email { get; init; }

    public required string Role { get; init; }

    public required string OrganisationName { get; init; }

    /// <summary>The user id of the owner or admin who invited.</summary>
    public required string InvitedBy { get; init; }

    public required string InvitedByName { get; init; }

    public required DateTimeOffset ExpiresAt { get; init; }
}

/// <summary>A user joined the organisation by accepting an invitation.</summary>
[EventContract("member.added", 1)]
public sealed record MemberAdded : IntegrationEvent
{
    public required string UserId { get; init; }

    public required string Email { get; init; }

    public required string Role { get; init; }

    public required string InvitationId { get; init; }

    /// <summary>Whoever sent the invitation.</summary>
    public required string InvitedBy { get; init; }
}

/// <summary>A member was removed (or left); their sessions in the organisation ended with it.</summary>
[EventContract("member.removed", 1)]
public sealed record MemberRemoved : IntegrationEvent
{
    public required string UserId { get; init; }

    public required string Role { get; init; }

    public required string RemovedBy { get; init; }
}
