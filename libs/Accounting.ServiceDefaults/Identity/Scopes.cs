using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;

namespace Accounting.ServiceDefaults.Identity;

/// <summary>The caller must hold <see cref="Scope"/> (or its <c>:write</c> twin for a <c>:read</c>).</summary>
public sealed record ScopeRequirement(string Scope) : IAuthorizationRequirement;

internal sealed class ScopeAuthorizationHandler : AuthorizationHandler<ScopeRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        if (Caller.FromPrincipal(context.User)?.HasScope(requirement.Scope) == true)
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

public static class ScopeEndpointExtensions
{
    /// <summary>Declares the scope an endpoint needs: <c>.RequireScope("invoices:write")</c>.</summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, string scope)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(new AuthorizationPolicyBuilder(InternalIdentityOptions.Scheme)
            .RequireAuthenticatedUser()
            .AddRequirements(new ScopeRequirement(scope))
            .Build());
}
