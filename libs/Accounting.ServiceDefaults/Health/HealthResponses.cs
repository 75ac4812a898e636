using System.Text.Json;
using Accounting.ServiceDefaults.Errors;
using Accounting.ServiceDefaults.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Accounting.ServiceDefaults.Health;

/// <summary>
/// Health reports for operators and probes. Unhealthy is a non-2xx, so it uses the error
/// envelope like every other failure, naming what is down and nothing more: checks describe their
/// failures with exception messages that carry internal addresses, and /health/ready is public
/// through the gateway.
/// </summary>
internal static class HealthResponses
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        if (report.Status == HealthStatus.Unhealthy)
        {
            var failing = report.Entries.Where(e => e.Value.Status == HealthStatus.Unhealthy).Select(e => e.Key);
            return ApiError.ServiceUnavailable("Not ready: " + string.Join(", ", failing) + ".").ExecuteAsync(context);
        }

        context.Response.ContentType = "application/json; charset=utf-8";
        return JsonSerializer.SerializeAsync(context.Response.Body, new
        {
            Status = Format(report.Status),
            Checks = report.Entries.Select(e => new
            {
                Name = e.Key,
                Status = Format(e.Value.Status),
                e.Value.Description,
                DurationMs = Math.Round(e.Value.Duration.TotalMilliseconds, 1),
            }),
        }, JsonDefaults.Options, context.RequestAborted);
    }

    private static string Format(HealthStatus status) => status.ToString().ToLowerInvariant();
}
