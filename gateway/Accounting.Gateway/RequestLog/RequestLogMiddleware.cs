using System.Diagnostics;
using System.Security.Claims;
using Accounting.Gateway.Authentication;
using Accounting.ServiceDefaults.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Net.Http.Headers;

namespace Accounting.Gateway.RequestLog;

/// <summary>
/// Outermost but for the forwarded headers, so it sees every answer the gateway gives (proxied, or
/// refused here: 413, 429, 503) and the client's own address. Requests of no organisation (no
/// credential, or one refused) are not logged: the log is each organisation's, and an unverified
/// credential does not say whose it is.
/// </summary>
internal sealed class RequestLogMiddleware(RequestDelegate next, RequestLogBuffer queue, TimeProvider clock)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var startedAt = clock.GetUtcNow();
        var started = Stopwatch.GetTimestamp();
        var completed = false;
        try
        {
            await next(context);
            completed = true;
        }
        finally
        {
            var status = completed || context.Response.HasStarted ? context.Response.StatusCode : StatusCodes.Status500InternalServerError;
            var duration = Stopwatch.GetElapsedTime(started);
            var caller = context.User;
            if (caller.Identity?.IsAuthenticated != true && status == StatusCodes.Status413PayloadTooLarge && HasCredential(context.Request))
            {
                // A declared body over the limit is refused before authentication runs: find out whose it was.
                caller = (await context.AuthenticateAsync()).Principal ?? caller;
            }

            if (caller.FindFirst(IdentityClaims.Organisation)?.Value is { } organisationId)
            {
                Record(context, caller, organisationId, status, duration, startedAt);
            }
        }
    }

    private void Record(HttpContext context, ClaimsPrincipal caller, string organisationId, int status, TimeSpan duration, DateTimeOffset startedAt)
    {
        var principalId = caller.FindFirst(IdentityClaims.Subject)?.Value;
        var isApiKey = caller.FindFirst(IdentityClaims.PrincipalType)?.Value == IdentityClaims.Format(PrincipalType.ApiKey);
        var request = context.Request;
        var userAgent = request.Headers.UserAgent.ToString();
        queue.Enqueue(new RequestLogEntry(
            context.TraceIdentifier,
            organisationId,
            isApiKey ? principalId : null,
            isApiKey ? null : principalId,
            request.Method,
            RequestLogEntry.Truncate(request.Path.Value is { Length: > 0 } path ? path : "/", RequestLogEntry.MaxPathLength),
            status,
            duration,
            context.Connection.RemoteIpAddress,
            userAgent.Length > 0 ? RequestLogEntry.Truncate(userAgent, RequestLogEntry.MaxUserAgentLength) : null,
            startedAt));
    }

    private static bool HasCredential(HttpRequest request) =>
        request.Headers.ContainsKey(HeaderNames.Authorization) || request.Headers.ContainsKey(GatewayAuthenticationHandler.ApiKeyHeader);
}
