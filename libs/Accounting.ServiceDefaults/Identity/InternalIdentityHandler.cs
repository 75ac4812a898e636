using System.Security.Claims;
using System.Text.Encodings.Web;
using Accounting.ServiceDefaults.Errors;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Accounting.ServiceDefaults.Identity;

/// <summary>
/// Authenticates the signed identity header against the issuers its scheme trusts: the gateway
/// for <see cref="InternalIdentityOptions.Scheme"/>, the configured services for
/// <see cref="ServiceIdentityOptions.Scheme"/>. Requests that go around the gateway have none and
/// get 401; so do forged, expired and wrongly addressed tokens, and tokens of an issuer the scheme
/// does not trust.
/// </summary>
internal sealed class InternalIdentityHandler(
    IOptionsMonitor<InternalIdentityOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    TimeProvider clock)
    : AuthenticationHandler<InternalIdentityOptions>(options, logger, encoder)
{
    private static readonly JsonWebTokenHandler TokenHandler = new() { MapInboundClaims = false };

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = Request.Headers[InternalIdentityOptions.HeaderName].ToString();
        if (token.Length == 0)
        {
            return AuthenticateResult.NoResult();
        }

        var trusted = Options.TrustedIssuers;
        var result = await TokenHandler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            // Each issuer's tokens verify only with that issuer's own key: a service's key signs nothing in the gateway's name.
            IssuerSigningKeyResolver = (_, securityToken, _, _) =>
                trusted.TryGetValue(securityToken.Issuer, out var key) ? [new ECDsaSecurityKey(key)] : [],
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            TryAllIssuerSigningKeys = false,
            ValidIssuers = trusted.Keys,
            ValidAudience = Options.Audience,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            LifetimeValidator = IsWithinLifetime,
            NameClaimType = IdentityClaims.Subject,
            RoleClaimType = IdentityClaims.Role,
        });
        if (!result.IsValid)
        {
            return AuthenticateResult.Fail("The internal identity token is invalid.");
        }

        var principal = new ClaimsPrincipal(result.ClaimsIdentity);
        return Caller.FromPrincipal(principal) is null
            ? AuthenticateResult.Fail("The internal identity token lacks required claims.")
            : AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name));
    }

    private bool IsWithinLifetime(DateTime? notBefore, DateTime? expires, SecurityToken token, TokenValidationParameters parameters)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return expires is { } expiry
            && now <= expiry + Options.ClockSkew
            && (notBefore is null || notBefore.Value - Options.ClockSkew <= now);
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var error = Request.Headers.ContainsKey(InternalIdentityOptions.HeaderName)
            ? ApiError.InvalidToken()
            : ApiError.Unauthorized("Authentication is required. Call the API through the gateway with an API key or a user token.");
        return error.ExecuteAsync(Context);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        ApiError.Forbidden().ExecuteAsync(Context);
}
