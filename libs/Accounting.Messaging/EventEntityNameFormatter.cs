using System.Reflection;
using Accounting.Contracts;
using MassTransit;

namespace Accounting.Messaging;

/// <summary>
/// Names each event's exchange after its public contract (<c>accounting.invoice.paid.v1</c>)
/// rather than its CLR type, so the broker topology follows the versioned contract.
/// </summary>
internal sealed class EventEntityNameFormatter(IEntityNameFormatter fallback) : IEntityNameFormatter
{
    public string FormatEntityName<T>() =>
        typeof(T).GetCustomAttribute<EventContractAttribute>() is { } contract
            ? "accounting." + contract.QualifiedName
            : fallback.FormatEntityName<T>();
}
