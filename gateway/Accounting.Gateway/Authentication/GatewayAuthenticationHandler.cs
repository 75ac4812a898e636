using System.Security.Claims;
using System.Text.Encodings.Web;
using Accounting.ServiceDefaults.Errors;
using Accounting.ServiceDefaults.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Microsoft.Net.Http.Headers;

namespace Accounting.Gateway.Authentication;

/// <summary>
/// Turns the caller's credential (an API key or a user access token) into the claims of the
/// internal identity, and answers a refused credential with the precise error of contract §2.
/// </summary>
public sealed class GatewayAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyCache apiKeys,
    ApiKeyUsageReporter usage,
    UserTokenValidator userTokens,
    TimeProvider clock)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Gateway";
    public const string ApiKeyHeader = "X-API-Key";

    private const string BearerPrefix = "Bearer ";
    private static readonly string[] ApiKeyPrefixes = ["sk_live_", "sk_test_"];

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var apiKey = Request.Headers[ApiKeyHeader].ToString();
        var authorization = Request.Headers[HeaderNames.Authorization].ToString();
        var bearer = authorization.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase)
            ? authorization[BearerPrefix.Length..].Trim()
            : null;

        if (apiKey.Length > 0 && bearer is not null)
        {
            return Refuse(ApiError.BadRequest("Send one credential: either an Authorization header or an X-API-Key header, not both."));
        }

        if (apiKey.Length == 0 && bearer is not null && IsApiKey(bearer))
        {
            apiKey = bearer;
        }

        try
        {
            if (apiKey.Length > 0)
            {
                return await AuthenticateApiKeyAsync(apiKey);
            }

            return bearer is { Length: > 0 } ? await AuthenticateUserTokenAsync(bearer) : AuthenticateResult.NoResult();
        }
        catch (HttpRequestException)
        {
            return Refuse(ApiError.ServiceUnavailable("Credentials cannot be verified right now. Retry shortly."));
        }
    }

    private async Task<AuthenticateResult> AuthenticateApiKeyAsync(string apiKey)
    {
        if (!IsApiKey(apiKey))
        {
            return Refuse(ApiError.InvalidApiKey());
        }

        var key = await apiKeys.GetAsync(ApiKeyHash.Compute(apiKey), Context.RequestAborted);
        if (key is null || !key.IsUsableAt(clock.GetUtcNow()))
        {
            return Refuse(ApiError.InvalidApiKey());
        }

        usage.Touch(key.KeyId);
        return Authenticated(
            new Caller(key.OrganisationId, key.KeyId, PrincipalType.ApiKey, null, key.Scopes.ToHashSet(StringComparer.Ordinal)),
            key.Plan);
    }

    private async Task<AuthenticateResult> AuthenticateUserTokenAsync(string token)
    {
        var result = await userTokens.ValidateAsync(token, Context.RequestAborted);
        if (!result.IsValid
            || ClaimOf(result, IdentityClaims.Subject) is not { } userId
            || ClaimOf(result, UserTokens.OrganisationClaim) is not { } organisationId
            || ClaimOf(result, UserTokens.RoleClaim) is not { } role
            || !ApiScopes.Roles.Contains(role))
        {
            return Refuse(ApiError.InvalidToken("The access token is invalid or expired."));
        }

        // Tokens issued before the plan claim existed, or by an older auth, fall back to the default plan.
        return Authenticated(new Caller(organisationId, userId, PrincipalType.User, role, ApiScopes.ForRole(role)), ClaimOf(result, UserTokens.PlanClaim));
    }

    private static AuthenticateResult Authenticated(Caller caller, string? plan)
    {
        List<Claim> claims =
        [
            new(IdentityClaims.Organisation, caller.OrganisationId),
            new(IdentityClaims.Subject, caller.PrincipalId),
            new(IdentityClaims.PrincipalType, IdentityClaims.Format(caller.PrincipalType)),
            new(IdentityClaims.Scope, string.Join(' ', caller.Scopes.Order(StringComparer.Ordinal))),
        ];
        if (caller.Role is not null)
        {
            claims.Add(new Claim(IdentityClaims.Role, caller.Role));
        }

        if (plan is not null)
        {
            claims.Add(new Claim(IdentityClaims.Plan, plan));
        }

        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName, IdentityClaims.Subject, IdentityClaims.Role));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    private static string? ClaimOf(TokenValidationResult result, string name) =>
        result.Claims.TryGetValue(name, out var value) ? value as string : null;

    private static AuthenticateResult Refuse(ApiError error) => AuthenticateResult.Fail(new CredentialRefusedException(error));

    private static bool IsApiKey(string credential) =>
        ApiKeyPrefixes.Any(prefix => credential.StartsWith(prefix, StringComparison.Ordinal));

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        var error = (result.Failure as CredentialRefusedException)?.Error
            ?? ApiError.Unauthorized("Authentication is required: send an API key (Authorization: Bearer sk_… or X-API-Key) or a user access token.");
        await error.ExecuteAsync(Context);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        ApiError.Forbidden().ExecuteAsync(Context);

    /// <summary>Carries the exact refusal from authentication to the challenge that answers it.</summary>
    private sealed class CredentialRefusedException(ApiError error) : Exception(error.Message)
    {
        public ApiError Error { get; } = error;
    }
}
