namespace Accounting.Contracts;

/// <summary>
/// Names an event as the public API knows it (<c>invoice.paid</c>) and versions its shape.
/// A breaking change to an event is a new version, published beside the old one until every
/// consumer has moved, never an edit of the existing record.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class EventContractAttribute(string name, int version) : Attribute
{
    public string Name { get; } = name;

    public int Version { get; } = version;

    /// <summary>The broker-level identity of the contract, e.g. <c>invoice.paid.v1</c>.</summary>
    public string QualifiedName => $"{Name}.v{Version}";
}
