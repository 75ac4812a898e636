using System.Globalization;

namespace Accounting.ServiceDefaults.OpenApi;

/// <summary>
/// Operation ids and tags from the route, the way REST APIs name them (<c>GET /invoices</c> is
/// <c>listInvoices</c>, <c>POST /invoices/{id}/send</c> is <c>sendInvoice</c>), so names stay
/// consistent without each endpoint spelling its own; an endpoint's <c>.WithName()</c> overrides.
/// </summary>
public static class OperationNames
{
    private static readonly Dictionary<string, string> TagNames = new(StringComparer.Ordinal)
    {
        ["auth"] = "Authentication",
        [".well-known"] = "Authentication",
        ["api-keys"] = "API keys",
        ["organisation"] = "Organisations",
        ["organisations"] = "Organisations",
        ["transactions"] = "Bank transactions",
    };

    public static string For(string method, string route)
    {
        var segments = ResourceSegments(route);
        var endsWithId = segments.Count > 0 && IsParameter(segments[^1]);
        var names = segments.Where(segment => !IsParameter(segment)).ToList();
        if (names.Count == 0)
        {
            return method.ToLowerInvariant();
        }

        var last = names[^1];
        // The resource a sub-path hangs off (/webhooks/{id}/deliveries → "Webhook"), when it follows an id.
        var lastIndex = segments.LastIndexOf(last);
        var parent = lastIndex >= 2 && IsParameter(segments[lastIndex - 1]) ? Pascal(Singular(segments[lastIndex - 2])) : "";
        var verb = method.ToUpperInvariant();
        if (endsWithId)
        {
            return verb switch
            {
                "GET" => "get",
                "PATCH" => "update",
                "PUT" => "replace",
                "DELETE" => "delete",
                _ => method.ToLowerInvariant(),
            } + parent + Pascal(Singular(last));
        }

        var collection = IsPlural(last);
        return (verb, collection) switch
        {
            ("GET", true) => "list" + parent + Pascal(last),
            ("GET", false) => "get" + parent + Pascal(last),
            ("POST", true) => "create" + parent + Pascal(Singular(last)),
            ("PATCH", _) => "update" + parent + Pascal(last),
            ("DELETE", _) => "delete" + parent + Pascal(last),
            // An action on a resource: POST /invoices/{id}/send → sendInvoice, POST /periods/close → closePeriod.
            _ => Camel(last) + Pascal(Singular(names.Count >= 2 ? names[^2] : "")),
        };
    }

    /// <summary>"sendInvoice" reads "Send invoice": a default summary until an endpoint gives its own.</summary>
    public static string Summary(string operationId)
    {
        var words = string.Concat(operationId.Select((c, i) => i > 0 && char.IsUpper(c) ? " " + char.ToLowerInvariant(c) : c.ToString()));
        return char.ToUpperInvariant(words[0]) + words[1..];
    }

    public static string TagFor(string route)
    {
        var segments = ResourceSegments(route);
        var first = segments.FirstOrDefault(segment => !IsParameter(segment)) ?? "";
        return TagNames.TryGetValue(first, out var name)
            ? name
            : CultureInfo.InvariantCulture.TextInfo.ToTitleCase(first.Replace('-', ' '))[..1] + first.Replace('-', ' ')[1..];
    }

    private static List<string> ResourceSegments(string route)
    {
        var segments = route.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries).ToList();
        if (segments.Count >= 2 && segments[0] == "api" && segments[1].StartsWith('v'))
        {
            segments.RemoveRange(0, 2);
        }

        return segments;
    }

    private static bool IsParameter(string segment) => segment.StartsWith('{');

    private static bool IsPlural(string word) => word.EndsWith('s') && !word.EndsWith("ss", StringComparison.Ordinal);

    private static string Singular(string word) =>
        word.EndsWith("ies", StringComparison.Ordinal) ? word[..^3] + "y"
        : IsPlural(word) ? word[..^1]
        : word;

    private static string Pascal(string words) =>
        string.Concat(words.Split(['-', '_', '.'], StringSplitOptions.RemoveEmptyEntries)
            .Select(word => char.ToUpperInvariant(word[0]) + word[1..]));

    private static string Camel(string words)
    {
        var pascal = Pascal(words);
        return pascal.Length == 0 ? pascal : char.ToLowerInvariant(pascal[0]) + pascal[1..];
    }
}
