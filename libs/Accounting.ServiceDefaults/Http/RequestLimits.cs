using Accounting.ServiceDefaults.Errors;
using Microsoft.AspNetCore.Http;

namespace Accounting.ServiceDefaults.Http;

public static class RequestLimits
{
    /// <summary>Contract §4: 10 MB, the largest document upload.</summary>
    public const long MaxBodyBytes = 10 * 1024 * 1024;
}

/// <summary>
/// Refuses a declared oversized body before anything reads it. Kestrel's own limit (set to the
/// same value) catches chunked bodies as they are read, surfacing as a 413 in the envelope.
/// </summary>
internal sealed class DeclaredBodySizeMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context) =>
        context.Request.ContentLength > RequestLimits.MaxBodyBytes
            ? ApiError.PayloadTooLarge().ExecuteAsync(context)
            : next(context);
}
