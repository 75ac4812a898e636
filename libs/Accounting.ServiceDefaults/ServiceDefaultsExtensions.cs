using System.Security.Cryptography;
using Accounting.ServiceDefaults.Errors;
using Accounting.ServiceDefaults.Health;
using Accounting.ServiceDefaults.Http;
using Accounting.ServiceDefaults.Identity;
using Accounting.ServiceDefaults.Telemetry;
using FluentValidation;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

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
        builder.Services.AddOpenApi();
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

                if (options.VerificationKey is not null)
                {
                    options.TrustedIssuers[options.Issuer] = options.VerificationKey;
                }
            })
            .Validate(options => options.VerificationKey is not null, "InternalIdentity:VerificationKeyPath must name the gateway's public key (PEM).")
            .ValidateOnStart();
        builder.Services.AddAuthentication(InternalIdentityOptions.Scheme)
            .AddScheme<InternalIdentityOptions, InternalIdentityHandler>(InternalIdentityOptions.Scheme, configureOptions: null);
        builder.Services.AddSingleton<IAuthorizationHandler, ScopeAuthorizationHandler>();
        builder.Services.AddSingleton<IAuthorizationHandler, UserAuthorizationHandler>();
        builder.Services.AddSingleton<IAuthorizationHandler, ServiceAuthorizationHandler>();
        builder.Services.AddSingleton<IAuthorizationMiddlewareResultHandler, ApiAuthorizationResultHandler>();
        // Deny by default: an endpoint is public only when it says AllowAnonymous.
        builder.Services.AddAuthorizationBuilder().SetFallbackPolicy(
            new AuthorizationPolicyBuilder(InternalIdentityOptions.Scheme).RequireAuthenticatedUser().Build());
        return builder;
    }

    /// <summary>
    /// Lets the services named under <c>ServiceIdentity:TrustedServices</c> call this service's
    /// internal endpoints (those that say <c>.RequireService()</c>) with tokens they sign themselves:
    /// a second scheme on the same handler, trusting each such service's public key for its own
    /// issuer and nothing else. Public routes keep trusting the gateway alone. With no service
    /// configured, no service token is accepted anywhere.
    /// </summary>
    public static WebApplicationBuilder AddServiceIdentity(this WebApplicationBuilder builder, string serviceName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<ServiceIdentityOptions>()
            .Bind(builder.Configuration.GetSection(ServiceIdentityOptions.SectionName));
        builder.Services.AddOptions<InternalIdentityOptions>(ServiceIdentityOptions.Scheme)
            .PostConfigure<IOptions<ServiceIdentityOptions>>((options, services) =>
            {
                options.Audience = serviceName;
                foreach (var (name, trusted) in services.Value.TrustedServices)
                {
                    if (trusted.VerificationKeyPath is not { Length: > 0 } path)
                    {
                        throw new OptionsValidationException(ServiceIdentityOptions.SectionName, typeof(ServiceIdentityOptions),
                            [$"ServiceIdentity:TrustedServices:{name}:VerificationKeyPath must name {name}'s public key (PEM)."]);
                    }

                    var key = ECDsa.Create();
                    key.ImportFromPem(File.ReadAllText(path));
                    options.TrustedIssuers[ServiceIdentityOptions.IssuerOf(name)] = key;
                }
            })
            .ValidateOnStart();
        builder.Services.AddAuthentication()
            .AddScheme<InternalIdentityOptions, InternalIdentityHandler>(ServiceIdentityOptions.Scheme, configureOptions: null);
        return builder;
    }

    /// <summary>
    /// Signs this service's own identity (<see cref="ServiceIdentityIssuer"/>) for the internal
    /// endpoints of the services it calls, with the private key at <c>ServiceIdentity:SigningKeyPath</c>.
    /// </summary>
    public static IServiceCollection AddServiceIdentityIssuer(this IServiceCollection services, IConfiguration configuration, string serviceName)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(sp =>
        {
            var path = configuration[$"{ServiceIdentityOptions.SectionName}:{nameof(ServiceIdentityOptions.SigningKeyPath)}"];
            if (path is not { Length: > 0 })
            {
                throw new InvalidOperationException(
                    $"ServiceIdentity:SigningKeyPath must name {serviceName}'s private key (PEM, PKCS#8) to call another service's internal endpoints.");
            }

            var key = ECDsa.Create();
            key.ImportFromPem(File.ReadAllText(path));
            return new ServiceIdentityIssuer(
                new InternalIdentityIssuer(key, sp.GetRequiredService<TimeProvider>(), ServiceIdentityOptions.IssuerOf(serviceName)), serviceName);
        });
        return services;
    }
}
