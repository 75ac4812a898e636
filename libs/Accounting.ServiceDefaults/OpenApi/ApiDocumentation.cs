using System.Globalization;
using Accounting.ServiceDefaults.Http;
using Accounting.ServiceDefaults.Identity;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace Accounting.ServiceDefaults.OpenApi;

/// <summary>
/// The service's OpenAPI document as API consumers need it, derived from what the endpoints
/// already declare (route, scope, validation, anonymity) so nobody repeats it per endpoint:
/// readable operation ids, a tag per resource, security requirements with their scopes, the error
/// envelope on every error response the platform can give, money as decimal, nothing internal.
/// </summary>
public static class ApiDocumentation
{
    public const string ApiKeyScheme = "api_key";
    public const string BearerScheme = "bearer";

    public static IServiceCollection AddApiDocumentation(this IServiceCollection services) =>
        services.AddOpenApi(options =>
        {
            // /internal/* is service-to-service and never routed by the gateway; health is for probes.
            options.ShouldInclude = description => description.RelativePath is { } path
                && !path.StartsWith("internal/", StringComparison.Ordinal)
                && !path.StartsWith("health/", StringComparison.Ordinal);
            options.AddDocumentTransformer((document, _, _) =>
            {
                Describe(document);
                return Task.CompletedTask;
            });
            options.AddOperationTransformer(async (operation, context, cancellationToken) =>
            {
                Describe(operation, context);
                await DescribeAlternativesAsync(operation, context, cancellationToken);
            });
            // A wrapper documented as its type argument is inlined: a component of its own would name the wrapper, not the value.
            options.CreateSchemaReferenceId = type =>
                JsonAsTypeArgumentAttribute.IsOn(type.Type) ? null : OpenApiOptions.CreateDefaultSchemaReferenceId(type);
            options.AddSchemaTransformer(JsonAsTypeArgumentAttribute.TransformAsync);
            options.AddSchemaTransformer(ResourceExamples.TransformAsync);
            options.AddSchemaTransformer((schema, context, _) =>
            {
                // A generated client must hold money in a decimal type, never a binary float.
                if (context.JsonTypeInfo.Type == typeof(decimal) || context.JsonTypeInfo.Type == typeof(decimal?))
                {
                    schema.Format = "decimal";
                }

                return Task.CompletedTask;
            });
        });

    private static void Describe(OpenApiDocument document)
    {
        // Where the service happens to listen means nothing to a reader: the gateway's combined
        // document says where the API is.
        document.Servers = [new OpenApiServer { Url = "/", Description = "The gateway" }];
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal);
        document.Components.Schemas[ErrorResponses.SchemaName] = ErrorResponses.Schema();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal);
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "An API key (`sk_live_…`, `sk_test_…`) or a user access token (JWT from `POST /api/v1/auth/login`) "
                + "in `Authorization: Bearer …`.",
        };
        document.Components.SecuritySchemes[ApiKeyScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = "X-API-Key",
            Description = "An API key (`sk_live_…`, `sk_test_…`) in `X-API-Key`.",
        };
        var tags = document.Paths.Values
            .SelectMany(path => path.Operations?.Values.AsEnumerable() ?? [])
            .SelectMany(operation => operation.Tags?.AsEnumerable() ?? [])
            .Select(tag => tag.Name)
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);
        document.Tags = new HashSet<OpenApiTag>(tags.Select(name => new OpenApiTag { Name = name }));
    }

    private static void Describe(OpenApiOperation operation, OpenApiOperationTransformerContext context)
    {
        var description = context.Description;
        var route = description.RelativePath ?? "";
        var method = description.HttpMethod ?? "GET";
        var metadata = description.ActionDescriptor.EndpointMetadata;

        operation.OperationId = metadata.OfType<Microsoft.AspNetCore.Routing.IEndpointNameMetadata>().LastOrDefault()?.EndpointName
            ?? OperationNames.For(method, route);
        operation.Summary ??= OperationNames.Summary(operation.OperationId);
        operation.Tags = new HashSet<OpenApiTagReference> { new(OperationNames.TagFor(route), context.Document) };

        var anonymous = metadata.OfType<IAllowAnonymous>().Any();
        var requirements = metadata.OfType<AuthorizationPolicy>().SelectMany(policy => policy.Requirements).ToList();
        var scopes = requirements.OfType<ScopeRequirement>().Select(requirement => requirement.Scope).ToList();
        var usersOnly = requirements.OfType<UserRequirement>().Any();
        if (anonymous)
        {
            operation.Security = [];
        }
        else
        {
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = scopes }];
            if (!usersOnly)
            {
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, context.Document)] = scopes });
            }
        }

        var hasBody = description.ParameterDescriptions.Any(p => p.Source?.Id is "Body" or "Form" or "FormFile");
        // Query parameters, pagination and filters are validated too: a bad one is a 422, never ignored (§1).
        // PageRequest binds itself (BindAsync), so the API explorer lists no parameter for it: the handler's signature shows it.
        var hasQuery = description.ParameterDescriptions.Any(p => p.Source?.Id == "Query")
            || metadata.OfType<System.Reflection.MethodInfo>().Any(handler => handler.GetParameters().Any(p => p.ParameterType == typeof(PageRequest)))
            || metadata.OfType<ValidatedRequestMetadata>().Any();
        var responses = new ErrorResponses(operation, context.Document);
        foreach (var declared in metadata.OfType<DeclaredErrorMetadata>())
        {
            responses.Add(declared.Status, declared.Description);
        }

        if (hasBody)
        {
            responses.Add(400, "The body is not valid JSON or cannot be read.");
            responses.Add(413, "The body is larger than 10 MB.");
            responses.Add(415, "The body's media type is not the one this operation takes.");
        }

        if (!anonymous)
        {
            responses.Add(401, "No credentials, or an API key or token that is invalid, revoked or expired.");
            responses.Add(403, usersOnly
                ? "The caller is not a user with the required role (API keys cannot call this operation)."
                : scopes.Count > 0
                    ? $"The credentials lack the {string.Join(" or ", scopes)} scope."
                    : "The caller is not allowed to do this.");
        }

        if (route.Contains('{', StringComparison.Ordinal))
        {
            responses.Add(404, "No such resource in the caller's organisation.");
        }

        if (hasBody || hasQuery)
        {
            responses.Add(422, "Well-formed input that is not valid; `errors` names each field.");
        }

        responses.Add(429, "Rate limit reached; `Retry-After` says when to retry.");
    }

    /// <summary>
    /// A status answered with one of several bodies (a login that either completes or asks for a
    /// second factor) is each of them (<c>oneOf</c>), not whichever was declared last.
    /// </summary>
    private static async Task DescribeAlternativesAsync(
        OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        // The API explorer keeps one type per status; the endpoint's own metadata has them all.
        var alternatives = context.Description.ActionDescriptor.EndpointMetadata.OfType<IProducesResponseTypeMetadata>()
            .Where(response => response.Type is { } type && type != typeof(void))
            .GroupBy(response => response.StatusCode)
            .Select(group => (Status: group.Key, Types: group.Select(response => response.Type!).Distinct().ToList()))
            .Where(group => group.Types.Count > 1);
        foreach (var (status, types) in alternatives)
        {
            if (operation.Responses?.GetValueOrDefault(status.ToString(CultureInfo.InvariantCulture)) is not { Content: { } content })
            {
                continue;
            }

            var schemas = new List<IOpenApiSchema>();
            foreach (var type in types)
            {
                schemas.Add(await ComponentAsync(type, context, cancellationToken));
            }

            foreach (var media in content.Values)
            {
                media.Schema = new OpenApiSchema { OneOf = schemas };
            }
        }
    }

    private static async Task<IOpenApiSchema> ComponentAsync(Type type, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var document = context.Document!;
        var id = type.Name;
        if (document.Components?.Schemas?.ContainsKey(id) != true)
        {
            document.AddComponent(id, await context.GetOrCreateSchemaAsync(type, cancellationToken: cancellationToken));
        }

        return new OpenApiSchemaReference(id, document);
    }
}

/// <summary>Put on an endpoint by <c>.Validate&lt;T&gt;()</c>, so the document knows it can answer 422.</summary>
public sealed record ValidatedRequestMetadata(Type RequestType);
