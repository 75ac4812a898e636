using System.Text.Json;
using System.Text.Json.Serialization;
using Accounting.ServiceDefaults.OpenApi;

namespace Accounting.Auth.Settings;

/// <summary>
/// A field of a PATCH body: absent (leave it as it is), or present with a value that may be
/// null (clear it). JSON cannot tell the two apart with a plain nullable property.
/// </summary>
[JsonConverter(typeof(PatchFieldConverterFactory))]
[JsonAsTypeArgument]
public readonly record struct PatchField<T>(bool IsPresent, T? Value)
{
    public T? Or(T? current) => IsPresent ? Value : current;
}

internal sealed class PatchFieldConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) =>
        typeToConvert.IsGenericType && typeToConvert.GetGenericTypeDefinition() == typeof(PatchField<>);

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(PatchFieldConverter<>).MakeGenericType(typeToConvert.GetGenericArguments()[0]))!;

    private sealed class PatchFieldConverter<T> : JsonConverter<PatchField<T>>
    {
        // A property that is present but null still reaches Read, so it is told apart from an absent one.
        public override bool HandleNull => true;

        public override PatchField<T> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            new(true, reader.TokenType == JsonTokenType.Null ? default : JsonSerializer.Deserialize<T>(ref reader, options));

        public override void Write(Utf8JsonWriter writer, PatchField<T> value, JsonSerializerOptions options) =>
            JsonSerializer.Serialize(writer, value.Value, options);
    }
}
