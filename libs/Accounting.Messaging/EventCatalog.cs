using System.Collections.Frozen;
using System.Reflection;
using Accounting.Contracts;

namespace Accounting.Messaging;

/// <summary>
/// Maps the public name and version of each event contract to its type, so the relay can
/// turn a stored row back into the message it publishes.
/// </summary>
public sealed class EventCatalog
{
    private readonly FrozenDictionary<(string Name, int Version), Type> types;

    public EventCatalog(IEnumerable<Assembly> assemblies)
    {
        types = TypesIn(assemblies)
            .ToFrozenDictionary(type => { var contract = ContractOf(type); return (contract.Name, contract.Version); });
        Names = types.Keys.Select(key => key.Name).ToFrozenSet(StringComparer.Ordinal);
    }

    /// <summary>The public names of every known contract (<c>invoice.paid</c>), whatever their versions.</summary>
    public FrozenSet<string> Names { get; }

    /// <summary>Every event contract in <paramref name="assemblies"/>, for subscribers that take all of them.</summary>
    public static IEnumerable<Type> TypesIn(IEnumerable<Assembly> assemblies) =>
        assemblies.Distinct()
            .SelectMany(assembly => assembly.GetTypes())
            .Where(type => type is { IsAbstract: false } && type.IsAssignableTo(typeof(IntegrationEvent)));

    public Type Resolve(string name, int version) =>
        types.TryGetValue((name, version), out var type)
            ? type
            : throw new InvalidOperationException($"No event contract named {name} v{version} is known to this service.");

    public static EventContractAttribute ContractOf(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return type.GetCustomAttribute<EventContractAttribute>()
            ?? throw new InvalidOperationException($"{type.Name} must declare its public name and version with [EventContract].");
    }
}
