using Accounting.ServiceDefaults.Errors;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;

namespace Accounting.ServiceDefaults.Identity;

/// <summary>Says why in a 403 (the missing scope, the role needed), which the framework's default forbid cannot.</summary>
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

        var failed = authorizeResult.AuthorizationFailure?.FailedRequirements ?? [];
        var error = failed.FirstOrDefault() switch
        {
            ScopeRequirement scope => ApiError.InsufficientScope(scope.Scope),
            UserRequirement user => ApiError.Forbidden(user.Describe()),
            _ => ApiError.Forbidden(),
        };
        return error.ExecuteAsync(context);
    }
}
