using Accounting.ServiceDefaults.OpenApi;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Accounting.Postgres.Idempotency;

/// <summary>
/// Declares <c>Idempotency-Key</c> on every POST the middleware honours, so the API reference shows
/// it where it works: apps that call <c>UseIdempotency</c>, endpoints that need a caller.
/// </summary>
internal sealed class IdempotencyDocumentation : IOpenApiOperationTransformer
{
    /// <summary>Set by <c>UseIdempotency</c>: the document describes the app as it runs.</summary>
    public bool Enabled { get; set; }

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(context);
        var description = context.Description;
        if (Enabled
            && HttpMethods.IsPost(description.HttpMethod ?? "")
            && !description.ActionDescriptor.EndpointMetadata.OfType<IAllowAnonymous>().Any())
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = IdempotencyMiddleware.KeyHeader,
                In = ParameterLocation.Header,
                Required = false,
                Description = "A random key (a UUID) that makes retries of this request safe: for 24 hours a request with the same key "
                    + "and body gets the first response again, marked Idempotent-Replayed: true, instead of running twice.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = IdempotencyMiddleware.MaxKeyLength },
            });
            new ErrorResponses(operation, context.Document).Add(
                409,
                "A conflict: the resource's state forbids this, the Idempotency-Key was used for another request "
                + "(`idempotency_key_reused`), or a request with it is still running (`request_in_progress`).");
        }

        return Task.CompletedTask;
    }
}
