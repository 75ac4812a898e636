using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Accounting.Testing;

/// <summary>
/// Makes the tests as a whole prove that the OpenAPI document declares every status a client can
/// meet: whenever a documented operation of a hosted service answers with a status its document
/// does not list, the request fails in the test that made it, naming the operation and the status.
/// Outages (5xx) are the platform's, not an operation's; what no documented operation answers
/// (internal and health endpoints, unknown routes, the router's 405) the document rightly leaves out.
/// </summary>
public sealed partial class DeclaredResponses : IStartupFilter
{
    private readonly Lock gate = new();
    private Task<Dictionary<(string Method, string Path), HashSet<string>>>? declared;

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        // First in the pipeline, and checked as the response starts: the status that leaves the app, before a client sees it.
        app.Use((context, nextMiddleware) =>
        {
            context.Response.OnStarting(() => CheckAsync(context));
            return nextMiddleware(context);
        });
        next(app);
    };

    /// <summary><c>/api/v1/webhooks/{id:guid}/</c> as the document writes it, <c>/api/v1/webhooks/{id}</c>.</summary>
    public static string Normalise(string route)
    {
        var path = RouteParameter().Replace(route, "{$1}").TrimEnd('/');
        return path.StartsWith('/') ? path : "/" + path;
    }

    private async Task CheckAsync(HttpContext context)
    {
        var status = context.Response.StatusCode;
        if (status >= 500
            || context.GetEndpoint() is not RouteEndpoint { RoutePattern.RawText: { } route } endpoint
            || endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Contains(context.Request.Method, StringComparer.OrdinalIgnoreCase) != true)
        {
            return;
        }

        var operation = (Method: context.Request.Method.ToUpperInvariant(), Path: Normalise(route));
        var operations = await DeclaredAsync(context.RequestServices);
        if (operations.TryGetValue(operation, out var statuses) && !statuses.Contains(status.ToString(CultureInfo.InvariantCulture)))
        {
            throw new UndeclaredResponseException(
                $"{operation.Method} {operation.Path} answered {status}, which its OpenAPI document does not declare "
                + $"(it declares {string.Join(", ", statuses.Order(StringComparer.Ordinal))}). Declare it where the endpoint is mapped "
                + "(a typed result, or .ProducesError(status, why) for an error of the endpoint's own).");
        }
    }

    private Task<Dictionary<(string Method, string Path), HashSet<string>>> DeclaredAsync(IServiceProvider services)
    {
        lock (gate)
        {
            return declared ??= LoadAsync(services);
        }
    }

    private static async Task<Dictionary<(string Method, string Path), HashSet<string>>> LoadAsync(IServiceProvider services)
    {
        var document = await services.GetRequiredKeyedService<IOpenApiDocumentProvider>("v1").GetOpenApiDocumentAsync();
        var operations = new Dictionary<(string Method, string Path), HashSet<string>>();
        foreach (var (path, item) in document.Paths)
        {
            foreach (var (method, operation) in item.Operations ?? [])
            {
                operations[(method.Method.ToUpperInvariant(), Normalise(path))] =
                    (operation.Responses?.Keys ?? Enumerable.Empty<string>()).ToHashSet(StringComparer.Ordinal);
            }
        }

        return operations;
    }

    [GeneratedRegex(@"\{\*{0,2}([^}:=?]+)[^}]*\}")]
    private static partial Regex RouteParameter();
}

/// <summary>An operation answered with a status its OpenAPI document does not declare.</summary>
public sealed class UndeclaredResponseException(string message) : Exception(message);
