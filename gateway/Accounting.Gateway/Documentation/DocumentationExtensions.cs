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

    /// <summary>The combined document, and a browsable UI for it at <c>/docs</c>; both public, like any API reference.</summary>
    public static WebApplication UseGatewayDocumentation(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseSwaggerUI(ui =>
        {
            ui.RoutePrefix = "docs";
            ui.DocumentTitle = "Accounting API";
            ui.SwaggerEndpoint(DocumentPath, "Accounting API v1");
        });
        return app;
    }

    public static WebApplication MapGatewayDocumentation(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet(DocumentPath, async (CombinedOpenApiDocument document, CancellationToken cancellationToken) =>
            TypedResults.Text(await document.GetAsync(cancellationToken), "application/json")).AllowAnonymous();
        return app;
    }
}
