using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Accounting.ServiceDefaults.OpenApi;

/// <summary>
/// On a generic wrapper whose JSON is its type argument's value, or null (a PATCH field that may
/// be absent, set or cleared): the document describes it as that type, nullable, and a property
/// of it as optional, rather than as the <c>{}</c> a custom converter otherwise gets.
/// </summary>
[AttributeUsage(AttributeTargets.Struct | AttributeTargets.Class, Inherited = false)]
public sealed class JsonAsTypeArgumentAttribute : Attribute
{
    public static bool IsOn(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition().IsDefined(typeof(JsonAsTypeArgumentAttribute), inherit: false);

    internal static async Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = context.JsonTypeInfo.Type;
        if (IsOn(type))
        {
            var value = await context.GetOrCreateSchemaAsync(type.GetGenericArguments()[0], cancellationToken: cancellationToken);
            schema.Type = value.Type is { } valueType ? valueType | JsonSchemaType.Null : null;
            schema.Format = value.Format;
            schema.Pattern = value.Pattern;
            schema.Enum = value.Enum;
            schema.Items = value.Items;
            schema.Minimum = value.Minimum;
            schema.Maximum = value.Maximum;
            schema.MaxLength = value.MaxLength;
            schema.MinLength = value.MinLength;
        }

        if (schema.Required is { Count: > 0 } required)
        {
            foreach (var property in context.JsonTypeInfo.Properties.Where(property => IsOn(property.PropertyType)))
            {
                required.Remove(property.Name);
            }
        }
    }
}
