namespace Accounting.Contracts.Auth;

/// <summary>A new organisation exists; the ledger seeds its chart of accounts and categories from it.</summary>
[EventContract("organisation.created", 1)]
public sealed record OrganisationCreated : IntegrationEvent
{
    public required string Name { get; init; }

    public required string Plan { get; init; }

    public required string CreatedBy { get; init; }

    /// <summary>The settings it starts with; null in events written before settings existed, meaning the defaults.</summary>
    public OrganisationSettings? Settings { get; init; }

    /// <summary>Always 1: the first version of the settings, which <see cref="OrganisationUpdated.Version"/> counts on from.</summary>
    public long Version { get; init; } = 1;
}

/// <summary>
/// The organisation's name or settings changed; carries the whole new settings, so a copy is
/// replaced, never patched. <see cref="Version"/> grows by one per change: a copy keeps the
/// highest version it has seen, so an older event arriving late never overwrites a newer one.
/// </summary>
[EventContract("organisation.updated", 1)]
public sealed record OrganisationUpdated : IntegrationEvent
{
    public required string Name { get; init; }

    public required string Plan { get; init; }

    public required OrganisationSettings Settings { get; init; }

    public required long Version { get; init; }

    public required string UpdatedBy { get; init; }
}

[EventContract("api_key.created", 1)]
public sealed record ApiKeyCreated : IntegrationEvent
{
    public required string KeyId { get; init; }

    public required string Name { get; init; }

    public required string Mode { get; init; }

    public required IReadOnlyList<string> Scopes { get; init; }

    public required string CreatedBy { get; init; }
}

/// <summary>A key stops working; gateways also hear of it within a second over Redis.</summary>
[EventContract("api_key.revoked", 1)]
public sealed record ApiKeyRevoked : IntegrationEvent
{
    public required string KeyId { get; init; }

    public required string RevokedBy { get; init; }
}
