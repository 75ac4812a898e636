using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace Accounting.ServiceDefaults.OpenApi;

/// <summary>A typical instance of a view, shown as its schema's example.</summary>
public sealed record ResourceExample(Type Type, object Value);

public static class ResourceExamples
{
    /// <summary>
    /// Shows <paramref name="example"/> as the example of <typeparamref name="TView"/>'s schema.
    /// The example is a real instance serialised as responses are, so it cannot drift from the view.
    /// </summary>
    public static IServiceCollection AddResourceExample<TView>(this IServiceCollection services, TView example)
        where TView : notnull =>
        services.AddSingleton(new ResourceExample(typeof(TView), example));

    internal static Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.JsonPropertyInfo is not null || context.JsonTypeInfo.Kind != JsonTypeInfoKind.Object)
        {
            return Task.CompletedTask;
        }

        MarkRequiredMembers(schema, context.JsonTypeInfo);
        var example = context.ApplicationServices.GetServices<ResourceExample>().LastOrDefault(e => e.Type == context.JsonTypeInfo.Type);
        if (example is not null && JsonSerializer.SerializeToNode(example.Value, context.JsonTypeInfo) is { } node)
        {
            schema.Examples = [node];
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// A view built through a <c>[SetsRequiredMembers]</c> constructor (an invoice is the shared
    /// trade document plus its number) still always has its <c>required</c> members, but
    /// System.Text.Json then stops treating them as required, and so would the schema.
    /// </summary>
    private static void MarkRequiredMembers(OpenApiSchema schema, JsonTypeInfo type)
    {
        foreach (var property in type.Properties)
        {
            if (property.AttributeProvider is MemberInfo member && member.IsDefined(typeof(RequiredMemberAttribute), inherit: false)
                && schema.Properties?.ContainsKey(property.Name) == true)
            {
                (schema.Required ??= new HashSet<string>(StringComparer.Ordinal)).Add(property.Name);
            }
        }
    }
}
