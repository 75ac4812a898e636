using System.Security.Cryptography;
using Accounting.ServiceDefaults.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;

namespace Accounting.Gateway.Authentication;

public static class AuthenticationExtensions
{
    public const string SigningKeyPathSetting = "InternalIdentity:SigningKeyPath";

    /// <summary>
    /// API keys and user tokens, checked here once; every proxied route requires one unless its
    /// configuration says <c>AuthorizationPolicy: anonymous</c>.
    /// </summary>
    public static WebApplicationBuilder AddGatewayAuthentication(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<GatewayOptions>().Bind(builder.Configuration.GetSection(GatewayOptions.SectionName))
            .Validate(o => o.ApiKeyCacheSize > 0 && o.UnknownApiKeyCacheSize > 0, "Gateway:ApiKeyCacheSize and Gateway:UnknownApiKeyCacheSize must be positive.")
            .ValidateOnStart();
        builder.Services.AddSingleton(sp =>
        {
            var path = builder.Configuration[SigningKeyPathSetting] is { Length: > 0 } configured
                ? configured
                : throw new InvalidOperationException($"{SigningKeyPathSetting} must name the PEM file with the gateway's identity signing key.");
            var key = ECDsa.Create();
            key.ImportFromPem(File.ReadAllText(path));
            return new InternalIdentityIssuer(key, sp.GetRequiredService<TimeProvider>());
        });
        builder.Services.AddSingleton<InternalIdentityMinter>();
        builder.Services.AddHttpClient<AuthServiceClient>(http => http.Timeout = TimeSpan.FromSeconds(5));
        builder.Services.AddSingleton<ApiKeyCache>();
        builder.Services.AddSingleton<UserTokenValidator>();
        builder.Services.AddSingleton<ApiKeyUsageReporter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ApiKeyUsageReporter>());
        builder.Services.AddHostedService<ApiKeyRevocationListener>();

        builder.Services.AddAuthentication(GatewayAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, GatewayAuthenticationHandler>(GatewayAuthenticationHandler.SchemeName, configureOptions: null);
        builder.Services.AddAuthorizationBuilder().SetFallbackPolicy(
            new AuthorizationPolicyBuilder(GatewayAuthenticationHandler.SchemeName).RequireAuthenticatedUser().Build());
        return builder;
    }
}
