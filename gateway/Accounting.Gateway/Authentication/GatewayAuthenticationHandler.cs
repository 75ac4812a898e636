using System.Diagnostics.CodeAnalysis;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Accounting.Gateway.RateLimiting;
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
/// Failed credentials spend their client address's failure budget (contract §4); once it is
/// spent they are answered 429, and keys not already known are no longer looked up with auth
/// (<see cref="ApiKeyCache"/>).
/// </summary>
public sealed class GatewayAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyCache apiKeys,
    ApiKeyUsageReporter usage,
    UserTokenValidator userTokens,
    ClientAddressLimits addressLimits,
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
            return RefuseCredential(ApiError.InvalidApiKey());
        }

        var keyHash = ApiKeyHash.Compute(apiKey);
        if (apiKeys.TryGetCached(keyHash, out var cached))
        {
            return IsUsable(cached) ? Authenticated(cached) : RefuseCredential(ApiError.InvalidApiKey());
        }

        var lookup = await apiKeys.ResolveAsync(keyHash, Context.Connection.RemoteIpAddress, Context.RequestAborted);
        if (lookup.Refused)
        {
            return Refuse(ApiError.RateLimited((int)lookup.Budget!.RetryAfterSeconds), lookup.Budget);
        }

        if (IsUsable(lookup.Key))
        {
            return Authenticated(lookup.Key);
        }

        // The lookup spent its failure already; one that found the answer cached did not.
        return lookup.Budget is { } budget ? Refuse(ApiError.InvalidApiKey(), budget) : RefuseCredential(ApiError.InvalidApiKey());
    }

    private bool IsUsable([NotNullWhen(true)] ResolvedApiKey? key) => key is not null && key.IsUsableAt(clock.GetUtcNow());

    private AuthenticateResult Authenticated(ResolvedApiKey key)
    {
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
            return RefuseCredential(ApiError.InvalidToken("The access token is invalid or expired."));
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

    /// <summary>A request refused for what it is (two credentials, auth unreachable), not for a bad credential.</summary>
    private static AuthenticateResult Refuse(ApiError error) => AuthenticateResult.Fail(new CredentialRefusedException(error, false, null));

    /// <summary>A bad credential, counted against the address when it is answered (see <see cref="HandleChallengeAsync"/>).</summary>
    private static AuthenticateResult RefuseCredential(ApiError error) => AuthenticateResult.Fail(new CredentialRefusedException(error, true, null));

    /// <summary>Refused after the failure budget was already consulted; its state goes into the response headers.</summary>
    private static AuthenticateResult Refuse(ApiError error, RateLimitDecision budget) =>
        AuthenticateResult.Fail(new CredentialRefusedException(error, false, budget));

    private static bool IsApiKey(string credential) =>
        ApiKeyPrefixes.Any(prefix => credential.StartsWith(prefix, StringComparison.Ordinal));

    /// <remarks>
    /// A bad credential is counted here, where it is answered, and not while authenticating: public
    /// routes authenticate too, and ignore what fails (TOTP verification carries a temporary token
    /// that is no access token), so counting there would spend the budget of honest logins.
    /// </remarks>
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        if (result.Failure is not CredentialRefusedException refused)
        {
            await ApiError.Unauthorized("Authentication is required: send an API key (Authorization: Bearer sk_… or X-API-Key) or a user access token.")
                .ExecuteAsync(Context);
            return;
        }

        var error = refused.Error;
        var budget = refused.Budget;
        if (refused.CountsAsFailure)
        {
            budget = await addressLimits.TakeFailureAsync(Context.Connection.RemoteIpAddress);
            if (!budget.Admitted)
            {
                error = ApiError.RateLimited((int)budget.RetryAfterSeconds);
            }
        }

        if (budget is not null)
        {
            RateLimitHeaders.Add(Response, budget);
        }

        await error.ExecuteAsync(Context);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        ApiError.Forbidden().ExecuteAsync(Context);

    /// <summary>Carries the exact refusal from authentication to the challenge that answers it.</summary>
    private sealed class CredentialRefusedException(ApiError error, bool countsAsFailure, RateLimitDecision? budget) : Exception(error.Message)
    {
        public ApiError Error { get; } = error;

        /// <summary>Not yet counted against the client address's failure budget.</summary>
        public bool CountsAsFailure { get; } = countsAsFailure;

        /// <summary>The failure budget as it was last seen, for the response headers.</summary>
        public RateLimitDecision? Budget { get; } = budget;
    }
}
