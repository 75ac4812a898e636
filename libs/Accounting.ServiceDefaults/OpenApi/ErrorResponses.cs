using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace Accounting.ServiceDefaults.OpenApi;

/// <summary>The error envelope of contract §2, declared once as a schema and referenced by every error response.</summary>
public sealed class ErrorResponses(OpenApiOperation operation, OpenApiDocument? document)
{
    public const string SchemaName = "Error";

    /// <summary>Adds the error response unless the operation already declares that status.</summary>
    public void Add(int status, string description)
    {
        operation.Responses ??= [];
        var key = status.ToString(CultureInfo.InvariantCulture);
        if (operation.Responses.ContainsKey(key))
        {
            return;
        }

        operation.Responses[key] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal)
            {
                ["application/json"] = new() { Schema = new OpenApiSchemaReference(SchemaName, document) },
            },
        };
    }

    public static OpenApiSchema Schema() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "Every non-2xx response has this body.",
        Required = new HashSet<string>(StringComparer.Ordinal) { "error" },
        Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
        {
            ["error"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Required = new HashSet<string>(StringComparer.Ordinal) { "code", "message", "status", "request_id" },
                Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
                {
                    ["code"] = new OpenApiSchema
                    {
                        Type = JsonSchemaType.String,
                        Description = "Stable, machine-readable: validation_failed, not_found, conflict, insufficient_scope, rate_limited…",
                        Examples = [JsonValue.Create("validation_failed")],
                    },
                    ["message"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "For people; may change." },
                    ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
                    ["request_id"] = new OpenApiSchema { Type = JsonSchemaType.String, Examples = [JsonValue.Create("req_8f3a1c")] },
                    ["errors"] = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Array,
                        Description = "Present only for field-level problems.",
                        Items = new OpenApiSchema
                        {
                            Type = JsonSchemaType.Object,
                            Required = new HashSet<string>(StringComparer.Ordinal) { "field", "message" },
                            Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
                            {
                                ["field"] = new OpenApiSchema { Type = JsonSchemaType.String, Examples = [JsonValue.Create("lines[1].amount")] },
                                ["message"] = new OpenApiSchema { Type = JsonSchemaType.String },
                            },
                        },
                    },
                },
            },
        },
    };
}
