using Accounting.ServiceDefaults.Errors;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;

namespace Accounting.ServiceDefaults.Identity;

/// <summary>Names the missing scope in a 403, which the framework's default forbid cannot.</summary>
internal sealed class ApiAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Succeeded)
        {
            return next(context);
        }

        if (authorizeResult.Challenged)
        {
            return context.ChallengeAsync(InternalIdentityOptions.Scheme);
        }

        var missingScope = authorizeResult.AuthorizationFailure?.FailedRequirements.OfType<ScopeRequirement>().FirstOrDefault();
        return (missingScope is null ? ApiError.Forbidden() : ApiError.InsufficientScope(missingScope.Scope)).ExecuteAsync(context);
    }
}
