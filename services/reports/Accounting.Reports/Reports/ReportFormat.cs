using Accounting.ServiceDefaults.Errors;
using Microsoft.Net.Http.Headers;

namespace Accounting.Reports.Reports;

public enum ReportFormat
{
    Json,
    Csv,
}

/// <summary>Content negotiation for reports: JSON by default, CSV for <c>Accept: text/csv</c>, 406 for anything else.</summary>
public static class ReportFormats
{
    /// <summary>The format the client prefers among those a report has; null when it accepts neither.</summary>
    public static ReportFormat? Negotiate(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var accept = request.Headers.Accept;
        if (accept.Count == 0 || !MediaTypeHeaderValue.TryParseList(accept, out var ranges) || ranges.Count == 0)
        {
            return accept.Count == 0 ? ReportFormat.Json : null;
        }

        return ranges
            .Where(r => r.Quality is not 0)
            .OrderByDescending(r => r.Quality ?? 1)
            .Select(Match)
            .FirstOrDefault(f => f is not null);
    }

    public static ApiError NotAcceptable() =>
        new(406, "not_acceptable", "Reports are available as application/json or text/csv.");

    private static ReportFormat? Match(MediaTypeHeaderValue range) => range.MediaType.Value?.ToLowerInvariant() switch
    {
        "application/json" or "application/*" or "*/*" => ReportFormat.Json,
        "text/csv" or "text/*" => ReportFormat.Csv,
        _ => null,
    };
}
