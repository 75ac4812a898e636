using Accounting.ServiceDefaults.Errors;
using Microsoft.AspNetCore.Http;

namespace Accounting.ServiceDefaults.Http;

/// <summary>
/// Answers the router's own refusals (a body of a media type the endpoint does not accept, a
/// method the path does not allow) before authentication. They are about the request, not the
/// caller, so an anonymous endpoint such as login answers them 415 and 405 like any other; left
/// to authorisation, the deny-by-default policy would turn them into 401 for anonymous callers.
/// </summary>
/// <remarks>
/// ASP.NET Core's matcher policies select endpoints of their own for these, with no metadata and a
/// fixed display name; that name is the only mark they carry.
/// </remarks>
internal sealed class RouterRefusalMiddleware(RequestDelegate next)
{
    private const string UnsupportedMediaTypeEndpoint = "415 HTTP Unsupported Media Type";
    private const string MethodNotAllowedEndpoint = "405 HTTP Method Not Supported";

    public Task InvokeAsync(HttpContext context) => context.GetEndpoint() switch
    {
        { DisplayName: UnsupportedMediaTypeEndpoint, Metadata.Count: 0 } => ApiError.UnsupportedMediaType().ExecuteAsync(context),
        { DisplayName: MethodNotAllowedEndpoint, Metadata.Count: 0 } => ApiError.ForStatus(StatusCodes.Status405MethodNotAllowed).ExecuteAsync(context),
        _ => next(context),
    };
}
