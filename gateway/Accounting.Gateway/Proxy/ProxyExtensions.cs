using Accounting.Gateway.Authentication;
using Accounting.ServiceDefaults.Errors;
using Accounting.ServiceDefaults.Identity;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Transforms;

namespace Accounting.Gateway.Proxy;

public static class ProxyExtensions
{
    private const string RequestIdHeader = "X-Request-Id";

    /// <summary>
    /// Routes and clusters come from the <c>ReverseProxy</c> section, so local runs, compose and
    /// Kubernetes differ only in destination addresses. Every forwarded request carries the
    /// gateway's signed identity for that service and never the caller's own credentials.
    /// </summary>
    public static WebApplicationBuilder AddGatewayProxy(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddReverseProxy()
            .LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"))
            .AddTransforms(context =>
            {
                var audience = context.Cluster?.ClusterId
                    ?? throw new InvalidOperationException($"Route {context.Route.RouteId} has no cluster.");
                context.AddRequestTransform(transform =>
                {
                    var http = transform.HttpContext;
                    var headers = transform.ProxyRequest.Headers;
                    // Only the gateway speaks for a caller: whatever a client sent in this header is discarded.
                    headers.Remove(InternalIdentityOptions.HeaderName);
                    headers.Remove(RequestIdHeader);
                    headers.TryAddWithoutValidation(RequestIdHeader, http.TraceIdentifier);
                    if (Caller.FromPrincipal(http.User) is { } caller)
                    {
                        // The credential has been turned into the identity; services never need to see it.
                        headers.Remove(HeaderNames.Authorization);
                        headers.Remove(GatewayAuthenticationHandler.ApiKeyHeader);
                        var identities = http.RequestServices.GetRequiredService<InternalIdentityMinter>();
                        headers.TryAddWithoutValidation(InternalIdentityOptions.HeaderName, identities.For(caller, audience));
                    }

                    return ValueTask.CompletedTask;
                });
            });
        return builder;
    }

    /// <summary>Maps the proxy; a failed hop answers in the error envelope, never with an empty 502.</summary>
    public static WebApplication MapGatewayProxy(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapReverseProxy(proxy => proxy.Use(async (context, next) =>
        {
            await next();
            if (context.GetForwarderErrorFeature() is { } failure && !context.Response.HasStarted)
            {
                await ErrorFor(failure).ExecuteAsync(context);
            }
        }));
        return app;
    }

    private static ApiError ErrorFor(IForwarderErrorFeature failure) => ClientFault(failure.Exception) switch
    {
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => ApiError.PayloadTooLarge(),
        BadHttpRequestException badRequest => ApiError.BadRequest(badRequest.Message),
        _ when failure.Error is ForwarderError.RequestBodyClient or ForwarderError.RequestCanceled =>
            ApiError.BadRequest("The request body could not be read."),
        _ when failure.Error is ForwarderError.RequestTimedOut =>
            ApiError.ServiceUnavailable("The service did not answer in time. Retry shortly."),
        _ => ApiError.ServiceUnavailable("The service is temporarily unavailable. Retry shortly."),
    };

    /// <summary>YARP wraps what went wrong reading the client's body (such as Kestrel's size limit) in its own exceptions.</summary>
    private static Exception? ClientFault(Exception? exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is BadHttpRequestException)
            {
                return current;
            }
        }

        return exception;
    }
}
