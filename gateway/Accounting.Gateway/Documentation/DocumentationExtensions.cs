using Accounting.ServiceDefaults.OpenApi;
using Scalar.AspNetCore;

namespace Accounting.Gateway.Documentation;

public static class DocumentationExtensions
{
    public const string DocumentPath = "/openapi/v1.json";

    public static WebApplicationBuilder AddGatewayDocumentation(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddHttpClient<CombinedOpenApiDocument>(http => http.Timeout = TimeSpan.FromSeconds(5));
        return builder;
    }

    public static WebApplication MapGatewayDocumentation(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet(DocumentPath, async (CombinedOpenApiDocument document, CancellationToken cancellationToken) =>
            TypedResults.Text(await document.GetAsync(cancellationToken), "application/json")).AllowAnonymous();
        // The reference UI, public like any API reference. "Try it" sends requests from the reader's
        // browser straight to this gateway (no third-party proxy), with the API key they type in.
        app.MapScalarApiReference("/docs", options => options
            .WithTitle("Accounting API")
            .WithOpenApiRoutePattern(DocumentPath)
            .AddPreferredSecuritySchemes(ApiDocumentation.ApiKeyScheme)
            .AddApiKeyAuthentication(ApiDocumentation.ApiKeyScheme, key => key.Value = "sk_test_…")).AllowAnonymous();
        return app;
    }
}
