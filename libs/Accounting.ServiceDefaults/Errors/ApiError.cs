using System.Text.Json.Serialization;
using Accounting.ServiceDefaults.Http;
using Microsoft.AspNetCore.Http;

namespace Accounting.ServiceDefaults.Errors;

/// <summary>
/// The one way a failure leaves any app of the platform: the envelope of contract §2.
/// Handlers return it like any other result; the middleware turns exceptions and bodiless
/// status codes into it, so a client never sees another error shape.
/// </summary>
public sealed class ApiError(int status, string code, string message, IReadOnlyList<FieldError>? errors = null)
    : IResult, IStatusCodeHttpResult
{
    public int Status { get; } = status;

    public string Code { get; } = code;

    public string Message { get; } = message;

    public IReadOnlyList<FieldError>? Errors { get; } = errors;

    int? IStatusCodeHttpResult.StatusCode => Status;

    /// <summary>
    /// Whether a retry of the same request should get this answer again. Not when it depends on
    /// a moment that passes: who may call (401, 403), a lock or limit that clears (423, 429), a
    /// request still running or a quota that frees up (<see cref="RequestInProgress"/>,
    /// <see cref="LimitReached"/>), an outage (5xx). Idempotency stores only final answers
    /// (contract §1).
    /// </summary>
    public bool IsFinal => !Transient && Status is not (401 or 403 or 408 or 423 or 429 or >= 500);

    private bool Transient { get; init; }

    public static ApiError BadRequest(string message) => new(400, "bad_request", message);

    public static ApiError Unauthorized(string message = "Authentication is required.") => new(401, "unauthorized", message);

    public static ApiError InvalidToken(string message = "The credentials provided are invalid or expired.") =>
        new(401, "invalid_token", message);

    public static ApiError InvalidApiKey() => new(401, "invalid_api_key", "The API key provided is invalid or expired.");

    public static ApiError Forbidden(string message = "You are not allowed to perform this request.") =>
        new(403, "forbidden", message);

    public static ApiError InsufficientScope(string scope) =>
        new(403, "insufficient_scope", $"This request requires the {scope} scope");

    public static ApiError NotFound(string message = "The requested resource does not exist.") =>
        new(404, "not_found", message);

    /// <summary>A state conflict (409): the resource is not in a state that allows the request.</summary>
    public static ApiError Conflict(string message, string code = "conflict") => new(409, code, message);

    /// <summary>A quota (409 <c>key_limit_reached</c> and the like), which frees up when the caller deletes something.</summary>
    public static ApiError LimitReached(string code, string message) => new(409, code, message) { Transient = true };

    /// <summary>409 <c>request_in_progress</c>: the same work is already running; a retry after it finishes may succeed.</summary>
    public static ApiError RequestInProgress(string message) => new(409, "request_in_progress", message) { Transient = true };

    public static ApiError ValidationFailed(string field, string message) => ValidationFailed([new FieldError(field, message)]);

    public static ApiError PayloadTooLarge() =>
        new(413, "payload_too_large", $"The request body exceeds the limit of {RequestLimits.MaxBodyBytes:N0} bytes.");

    public static ApiError UnsupportedMediaType(string message = "The request body must be application/json.") =>
        new(415, "unsupported_media_type", message);

    public static ApiError ValidationFailed(IReadOnlyList<FieldError> errors) =>
        new(422, "validation_failed", "The request is invalid. See errors for details.", errors);

    public static ApiError RateLimited(int retryAfterSeconds) =>
        new(429, "rate_limited", $"Too many requests. Retry after {retryAfterSeconds} second{(retryAfterSeconds == 1 ? "" : "s")}.");

    public static ApiError ServerError() =>
        new(500, "server_error", "Something went wrong on our side. Quote the request id if you contact support.");

    public static ApiError ServiceUnavailable(string message) => new(503, "service_unavailable", message);

    /// <summary>The envelope for a status code that carries no body of its own.</summary>
    public static ApiError ForStatus(int status) => status switch
    {
        400 => BadRequest("The request is malformed."),
        401 => Unauthorized(),
        403 => Forbidden(),
        404 => NotFound("No such route. Check the method and path against the API reference."),
        405 => new ApiError(405, "method_not_allowed", "The method is not allowed for this path."),
        413 => PayloadTooLarge(),
        415 => UnsupportedMediaType(),
        429 => RateLimited(1),
        503 => ServiceUnavailable("The service is temporarily unavailable."),
        >= 500 => ServerError(),
        _ => new ApiError(status, "bad_request", "The request could not be served."),
    };

    public Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        // Later middleware (idempotency) decides by the error, not by parsing the body.
        httpContext.Features.Set(this);
        var response = httpContext.Response;
        response.StatusCode = Status;
        response.Headers.CacheControl = "no-store";
        var body = new ErrorEnvelope(new ErrorBody(Code, Message, Status, httpContext.TraceIdentifier, Errors));
        return response.WriteAsJsonAsync(body, JsonDefaults.Options, contentType: "application/json; charset=utf-8");
    }
}

public sealed record FieldError(string Field, string Message);

public sealed record ErrorEnvelope(ErrorBody Error);

public sealed record ErrorBody(
    string Code,
    string Message,
    int Status,
    string RequestId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<FieldError>? Errors);
