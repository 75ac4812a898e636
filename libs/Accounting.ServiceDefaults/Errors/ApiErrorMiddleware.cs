using System.Text.Json;
using FluentValidation;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Accounting.ServiceDefaults.Errors;

/// <summary>
/// Turns every failure into the contract's envelope: exceptions (binding, JSON, validation,
/// anything unexpected) and status codes that reached the client without a body (unknown
/// routes, framework rejections).
/// </summary>
internal sealed partial class ApiErrorMiddleware(RequestDelegate next, ILogger<ApiErrorMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is nobody to answer and nothing went wrong on our side.
            return;
        }
        catch (Exception exception) when (!context.Response.HasStarted)
        {
            var error = FromException(exception);
            if (error.Status >= 500)
            {
                LogUnhandled(logger, exception, context.Request.Method, context.Request.Path);
            }

            context.Response.Clear();
            await error.ExecuteAsync(context);
            return;
        }

        if (IsBodilessFailure(context.Response))
        {
            await ApiError.ForStatus(context.Response.StatusCode).ExecuteAsync(context);
        }
    }

    private static bool IsBodilessFailure(HttpResponse response) =>
        response.StatusCode >= 400
        && !response.HasStarted
        && response.ContentLength is null or 0
        && string.IsNullOrEmpty(response.ContentType);

    private static ApiError FromException(Exception exception) => exception switch
    {
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => ApiError.PayloadTooLarge(),
        BadHttpRequestException { StatusCode: StatusCodes.Status415UnsupportedMediaType } => ApiError.UnsupportedMediaType(),
        BadHttpRequestException { InnerException: JsonException json } => ApiError.BadRequest(DescribeJsonError(json)),
        BadHttpRequestException badRequest => ApiError.BadRequest(badRequest.Message),
        ValidationException validation => ApiError.ValidationFailed(
            [.. validation.Errors.Select(failure => new FieldError(failure.PropertyName, failure.ErrorMessage))]),
        _ => ApiError.ServerError(),
    };

    // JsonException messages name CLR types; the client only needs where its JSON went wrong.
    private static string DescribeJsonError(JsonException json) =>
        json.Path is { Length: > 0 } path && path != "$"
            ? $"The request body is not valid JSON for this endpoint: check the value at '{path}'."
            : "The request body is not valid JSON.";

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception serving {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);
}
