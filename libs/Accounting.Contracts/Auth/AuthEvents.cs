namespace Accounting.Contracts.Auth;

/// <summary>A new organisation exists; the ledger seeds its chart of accounts and categories from it.</summary>
[EventContract("organisation.created", 1)]
public sealed record OrganisationCreated : IntegrationEvent
{
    public required string Name { get; init; }

    public required string Plan { get; init; }

    public required string CreatedBy { get; init; }
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
