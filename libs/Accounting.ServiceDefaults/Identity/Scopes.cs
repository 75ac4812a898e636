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

/// <summary>
/// The caller must be a signed-in user (not an API key), with one of <see cref="Roles"/> when
/// any are given: key management and membership are for people, never for integrations.
/// </summary>
public sealed record UserRequirement(IReadOnlyList<string> Roles) : IAuthorizationRequirement
{
    public string Describe() => Roles.Count == 0
        ? "This endpoint needs a user token; API keys cannot call it."
        : $"This endpoint needs a user token with role {string.Join(" or ", Roles)}.";
}

internal sealed class UserAuthorizationHandler : AuthorizationHandler<UserRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, UserRequirement requirement)
    {
        if (Caller.FromPrincipal(context.User) is { PrincipalType: PrincipalType.User } caller
            && (requirement.Roles.Count == 0 || requirement.Roles.Contains(caller.Role ?? "")))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

/// <summary>The caller must be another service of the platform, vouched for by its own signed identity.</summary>
public sealed record ServiceRequirement : IAuthorizationRequirement;

internal sealed class ServiceAuthorizationHandler : AuthorizationHandler<ServiceRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ServiceRequirement requirement)
    {
        if (Caller.FromPrincipal(context.User) is { PrincipalType: PrincipalType.Service })
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

public static class ScopeEndpointExtensions
{
    /// <summary>
    /// An internal endpoint: only a service the app trusts (<c>AddServiceIdentity</c>), with a token
    /// it signed itself, may call. The gateway's identities, whoever they speak for, are not even
    /// read here, and service tokens are refused everywhere else.
    /// </summary>
    public static TBuilder RequireService<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(new AuthorizationPolicyBuilder(ServiceIdentityOptions.Scheme)
            .RequireAuthenticatedUser()
            .AddRequirements(new ServiceRequirement())
            .Build());

    /// <summary>Declares the scope an endpoint needs: <c>.RequireScope("invoices:write")</c>.</summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, string scope)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(new AuthorizationPolicyBuilder(InternalIdentityOptions.Scheme)
            .RequireAuthenticatedUser()
            .AddRequirements(new ScopeRequirement(scope))
            .Build());

    /// <summary>Only a user token (optionally with one of <paramref name="roles"/>) may call: <c>.RequireUser("owner", "admin")</c>.</summary>
    public static TBuilder RequireUser<TBuilder>(this TBuilder builder, params string[] roles)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(new AuthorizationPolicyBuilder(InternalIdentityOptions.Scheme)
            .RequireAuthenticatedUser()
            .AddRequirements(new UserRequirement(roles))
            .Build());
}
