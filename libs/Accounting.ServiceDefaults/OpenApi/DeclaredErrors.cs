using Microsoft.AspNetCore.Builder;

namespace Accounting.ServiceDefaults.OpenApi;

/// <summary>
/// An error an endpoint gives of its own, beyond those the platform's shared pieces declare for it
/// (a login's 401, a lock's 423, a state conflict without a body or idempotency to imply it).
/// </summary>
public sealed record DeclaredErrorMetadata(int Status, string Description);

public static class DeclaredErrors
{
    /// <summary>Declares that the endpoint answers <paramref name="status"/> in the error envelope, for the reason given.</summary>
    public static TBuilder ProducesError<TBuilder>(this TBuilder builder, int status, string description)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new DeclaredErrorMetadata(status, description));
}
