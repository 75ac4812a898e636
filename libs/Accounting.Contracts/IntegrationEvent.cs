namespace Accounting.Contracts;

/// <summary>
/// A domain event that leaves a service through its outbox. Every event belongs to exactly one
/// organisation, so subscribers (webhooks above all) can never mix tenants.
/// </summary>
public abstract record IntegrationEvent
{
    /// <summary>Unique and stable across redeliveries: consumers deduplicate on it.</summary>
    public Guid EventId { get; init; } = Guid.CreateVersion7();

    public DateTimeOffset OccurredAt { get; init; } = DateTimeOffset.UtcNow;

    public required string OrganisationId { get; init; }
}
