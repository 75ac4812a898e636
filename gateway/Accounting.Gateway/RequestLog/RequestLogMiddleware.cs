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
internal sealed class RequestLogMiddleware(RequestDelegate next, RequestLogBuffer buffer, TimeProvider clock)
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

            if (caller.Identity is ClaimsIdentity { IsAuthenticated: true } identity)
            {
                Record(context, identity, status, duration, startedAt);
            }
        }
    }

    private void Record(HttpContext context, ClaimsIdentity identity, int status, TimeSpan duration, DateTimeOffset startedAt)
    {
        // One pass over the few claims the gateway set, rather than a search per claim.
        string? organisationId = null, principalId = null, principalType = null;
        foreach (var claim in identity.Claims)
        {
            switch (claim.Type)
            {
                case IdentityClaims.Organisation:
                    organisationId = claim.Value;
                    break;
                case IdentityClaims.Subject:
                    principalId = claim.Value;
                    break;
                case IdentityClaims.PrincipalType:
                    principalType = claim.Value;
                    break;
            }
        }

        if (organisationId is null)
        {
            return;
        }

        var isApiKey = principalType == IdentityClaims.Format(PrincipalType.ApiKey);
        var request = context.Request;
        var userAgent = request.Headers.UserAgent.ToString();
        buffer.Enqueue(new RequestLogEntry(
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
