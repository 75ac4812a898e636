using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Yarp.ReverseProxy;

namespace Accounting.Gateway.Documentation;

/// <summary>
/// The public API as one OpenAPI document: each service's own document, fetched from where the
/// proxy sends its traffic, keeping only publicly routed paths. Schemas two services name alike
/// but define differently are prefixed with the service's name. Rebuilt at most once a minute.
/// </summary>
public sealed class CombinedOpenApiDocument(HttpClient http, IProxyStateLookup proxy, TimeProvider clock)
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromMinutes(1);
    private static readonly string[] PublicPathPrefixes = ["/api/", "/.well-known/"];

    private (string Json, DateTimeOffset BuiltAt)? cached;

    public async Task<string> GetAsync(CancellationToken cancellationToken)
    {
        if (cached is { } document && clock.GetUtcNow() - document.BuiltAt < CacheFor)
        {
            return document.Json;
        }

        var json = (await BuildAsync(cancellationToken)).ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        cached = (json, clock.GetUtcNow());
        return json;
    }

    private async Task<JsonObject> BuildAsync(CancellationToken cancellationToken)
    {
        var paths = new JsonObject();
        var schemas = new JsonObject();
        var securitySchemes = new JsonObject();
        var unavailable = new List<string>();
        foreach (var cluster in proxy.GetClusters().OrderBy(c => c.ClusterId, StringComparer.Ordinal))
        {
            if (await FetchAsync(cluster, cancellationToken) is not { } service)
            {
                unavailable.Add(cluster.ClusterId);
                continue;
            }

            Merge(cluster.ClusterId, service, paths, schemas);
            foreach (var (name, scheme) in service["components"]?["securitySchemes"]?.AsObject() ?? [])
            {
                securitySchemes[name] ??= scheme!.DeepClone();
            }
        }

        var description = "Every public endpoint of the accounting API, combined from the services' own documents.";
        if (unavailable.Count > 0)
        {
            description += " Not included (service unavailable): " + string.Join(", ", unavailable) + ".";
        }

        DeclareGatewayHeaders(paths);
        var tags = paths.Select(path => path.Value!.AsObject())
            .SelectMany(operations => operations.Select(operation => operation.Value?["tags"]?.AsArray()))
            .SelectMany(list => list ?? [])
            .Select(tag => tag!.GetValue<string>())
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .Select(tag => (JsonNode)new JsonObject { ["name"] = tag });
        return new JsonObject
        {
            ["openapi"] = "3.1.1",
            ["info"] = new JsonObject { ["title"] = "Accounting API", ["version"] = "v1", ["description"] = description },
            ["servers"] = new JsonArray(new JsonObject { ["url"] = "/", ["description"] = "This gateway" }),
            ["tags"] = new JsonArray([.. tags]),
            ["paths"] = paths,
            ["components"] = new JsonObject
            {
                ["schemas"] = schemas,
                ["headers"] = GatewayHeaders(),
                ["securitySchemes"] = securitySchemes,
            },
        };
    }

    /// <summary>What the gateway adds to every response (§1, §4), declared once and referenced by each.</summary>
    private static JsonObject GatewayHeaders()
    {
        static JsonObject Header(string description, string type) =>
            new() { ["description"] = description, ["schema"] = new JsonObject { ["type"] = type } };

        return new JsonObject
        {
            ["X-Request-Id"] = Header("The request's id (`req_…`), also in error bodies; a safe id the client sent is echoed.", "string"),
            ["X-RateLimit-Limit"] = Header("The plan's hourly request quota.", "integer"),
            ["X-RateLimit-Remaining"] = Header("Whole requests left in whichever bucket (hour or burst) is tighter now.", "integer"),
            ["X-RateLimit-Reset"] = Header("Unix time in seconds when that bucket is full again.", "integer"),
            ["Retry-After"] = Header("Whole seconds until a request would be admitted.", "integer"),
        };
    }

    private static void DeclareGatewayHeaders(JsonObject paths)
    {
        foreach (var (_, operations) in paths)
        {
            foreach (var (_, operation) in operations!.AsObject())
            {
                foreach (var (status, response) in operation?["responses"]?.AsObject() ?? [])
                {
                    var headers = response!["headers"] as JsonObject ?? [];
                    string[] names = status == "429"
                        ? ["X-Request-Id", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After"]
                        : ["X-Request-Id", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"];
                    foreach (var name in names)
                    {
                        headers[name] ??= new JsonObject { ["$ref"] = $"#/components/headers/{name}" };
                    }

                    response["headers"] = headers;
                }
            }
        }
    }

    private async Task<JsonObject?> FetchAsync(Yarp.ReverseProxy.Model.ClusterState cluster, CancellationToken cancellationToken)
    {
        if (cluster.Destinations.Values.FirstOrDefault()?.Model.Config.Address is not { } address)
        {
            return null;
        }

        try
        {
            var url = new Uri(new Uri(address.EndsWith('/') ? address : address + "/"), "openapi/v1.json");
            return JsonNode.Parse(await http.GetStringAsync(url, cancellationToken)) as JsonObject;
        }
        catch (Exception exception) when (exception is HttpRequestException or JsonException or TaskCanceledException)
        {
            return null;
        }
    }

    private static void Merge(string service, JsonObject document, JsonObject paths, JsonObject schemas)
    {
        var renamed = new Dictionary<string, string>(StringComparer.Ordinal);
        var ownSchemas = document["components"]?["schemas"] as JsonObject ?? [];
        foreach (var (name, schema) in ownSchemas)
        {
            if (schemas[name] is { } existing && !JsonNode.DeepEquals(existing, schema))
            {
                renamed[name] = CultureInfo.InvariantCulture.TextInfo.ToTitleCase(service) + name;
            }
        }

        var text = new JsonObject { ["paths"] = document["paths"]?.DeepClone(), ["schemas"] = ownSchemas.DeepClone() }.ToJsonString();
        foreach (var (from, to) in renamed)
        {
            text = text.Replace($"\"#/components/schemas/{from}\"", $"\"#/components/schemas/{to}\"", StringComparison.Ordinal);
        }

        var rewritten = JsonNode.Parse(text)!;
        foreach (var (name, schema) in rewritten["schemas"]!.AsObject())
        {
            schemas[renamed.GetValueOrDefault(name, name)] ??= schema!.DeepClone();
        }

        foreach (var (path, operations) in rewritten["paths"]?.AsObject() ?? [])
        {
            if (PublicPathPrefixes.Any(prefix => path.StartsWith(prefix, StringComparison.Ordinal)))
            {
                paths[path] ??= operations!.DeepClone();
            }
        }
    }
}
