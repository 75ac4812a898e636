using Accounting.Auth.Security;

namespace Accounting.Auth.Endpoints;

public static class JwksEndpoints
{
    /// <summary>The public keys that verify access tokens, current and still-valid old ones (RFC 7517).</summary>
    public static IEndpointRouteBuilder MapJwksEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/.well-known/jwks.json", async (HttpResponse response, SigningKeyRing keys, CancellationToken cancellationToken) =>
        {
            var current = await keys.CurrentAsync(cancellationToken);
            response.Headers.CacheControl = "public, max-age=300";
            return TypedResults.Text(current.Jwks, "application/json");
        }).AllowAnonymous().WithName("getJwks");
        return app;
    }
}
