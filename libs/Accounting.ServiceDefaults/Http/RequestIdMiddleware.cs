using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Accounting.ServiceDefaults.Http;

/// <summary>
/// Gives every request an <c>X-Request-Id</c> (contract §1): a caller's safe token is echoed so
/// it can correlate, anything else is replaced. The id becomes the TraceIdentifier, which the
/// error envelope reports, and is attached to logs and the current trace.
/// </summary>
internal sealed partial class RequestIdMiddleware(RequestDelegate next, ILogger<RequestIdMiddleware> logger)
{
    public const string HeaderName = "X-Request-Id";

    public async Task InvokeAsync(HttpContext context)
    {
        var requestId = context.Request.Headers[HeaderName].ToString();
        if (!SafeToken().IsMatch(requestId))
        {
            requestId = NewRequestId();
        }

        context.TraceIdentifier = requestId;
        // Set as the response starts, so clearing a half-built response for an error keeps it.
        context.Response.OnStarting(() =>
        {
            context.Response.Headers[HeaderName] = requestId;
            return Task.CompletedTask;
        });
        Activity.Current?.SetTag("http.request.id", requestId);

        using (logger.BeginScope(new Dictionary<string, object> { ["RequestId"] = requestId }))
        {
            await next(context);
        }
    }

    public static string NewRequestId() => "req_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex SafeToken();
}
