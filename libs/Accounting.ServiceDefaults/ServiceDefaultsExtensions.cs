using System.Security.Cryptography;
using Accounting.ServiceDefaults.Errors;
using Accounting.ServiceDefaults.Health;
using Accounting.ServiceDefaults.Http;
using Accounting.ServiceDefaults.Identity;
using Accounting.ServiceDefaults.OpenApi;
using Accounting.ServiceDefaults.Telemetry;
using FluentValidation;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Accounting.ServiceDefaults;

public static class ServiceDefaultsExtensions
{
    /// <summary>
    /// Everything an app of the platform shares, in one call: telemetry, health checks, JSON
    /// conventions, request limits and the error envelope.
    /// </summary>
    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder, string serviceName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddTelemetry(serviceName);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddHealthChecks();
        builder.Services.AddApiDocumentation();
        // The pipeline always authenticates and authorises; each app adds the schemes it trusts.
        builder.Services.AddAuthentication();
        builder.Services.AddAuthorization();

        builder.Services.ConfigureHttpJsonOptions(options => JsonDefaults.Apply(options.SerializerOptions));
        // Binding failures throw, so the error middleware answers them in the envelope with a reason.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = RequestLimits.MaxBodyBytes;
        });
        builder.Services.Configure<FormOptions>(options => options.MultipartBodyLengthLimit = RequestLimits.MaxBodyBytes);
        ValidatorOptions.Global.PropertyNameResolver = (_, member, _) =>
            member is null ? null : System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(member.Name);
        return builder;
    }

    /// <summary>The request pipeline every app shares; call before mapping endpoints.</summary>
    public static WebApplication UseServiceDefaults(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseMiddleware<RequestIdMiddleware>();
        app.UseMiddleware<ApiErrorMiddleware>();
        app.UseMiddleware<DeclaredBodySizeMiddleware>();
        app.UseMiddleware<RouterRefusalMiddleware>();
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }

    /// <summary>Health endpoints, and the service's OpenAPI document at <c>/openapi/v1.json</c> (the gateway combines them).</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapHealthEndpoints();
        app.MapOpenApi().AllowAnonymous();
        return app;
    }

    /// <summary>
    /// <c>/health/live</c> answers while the process runs; <c>/health/ready</c> runs every check
    /// tagged ready (database, broker, cache) and is what load balancers and probes watch.
    /// </summary>
    public static WebApplication MapHealthEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapHealthChecks("/health/live", new HealthCheckOptions
        {
            Predicate = _ => false,
            ResponseWriter = HealthResponses.WriteAsync,
        }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(Readiness.Tag),
            ResponseWriter = HealthResponses.WriteAsync,
        }).AllowAnonymous();
        return app;
    }

    /// <summary>
    /// Services trust only the identity the gateway signed for them: every endpoint requires it
    /// unless it says AllowAnonymous, and <c>Caller</c> and <c>RequireScope</c> read it.
    /// </summary>
    public static WebApplicationBuilder AddInternalIdentity(this WebApplicationBuilder builder, string serviceName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<InternalIdentityOptions>(InternalIdentityOptions.Scheme)
            .Bind(builder.Configuration.GetSection(InternalIdentityOptions.SectionName))
            .PostConfigure(options =>
            {
                if (options.Audience.Length == 0)
                {
                    options.Audience = serviceName;
                }

                if (options.VerificationKey is null && options.VerificationKeyPath is { Length: > 0 } path)
                {
                    var key = ECDsa.Create();
                    key.ImportFromPem(File.ReadAllText(path));
                    options.VerificationKey = key;
                }
            })
            .Validate(options => options.VerificationKey is not null, "InternalIdentity:VerificationKeyPath must name the gateway's public key (PEM).")
            .ValidateOnStart();
        builder.Services.AddAuthentication(InternalIdentityOptions.Scheme)
            .AddScheme<InternalIdentityOptions, InternalIdentityHandler>(InternalIdentityOptions.Scheme, configureOptions: null);
        builder.Services.AddSingleton<IAuthorizationHandler, ScopeAuthorizationHandler>();
        builder.Services.AddSingleton<IAuthorizationHandler, UserAuthorizationHandler>();
        builder.Services.AddSingleton<IAuthorizationMiddlewareResultHandler, ApiAuthorizationResultHandler>();
        // Deny by default: an endpoint is public only when it says AllowAnonymous.
        builder.Services.AddAuthorizationBuilder().SetFallbackPolicy(
            new AuthorizationPolicyBuilder(InternalIdentityOptions.Scheme).RequireAuthenticatedUser().Build());
        return builder;
    }
}
