using System.Security.Claims;
using Microsoft.AspNetCore.Http;

namespace Accounting.ServiceDefaults.Identity;

public enum PrincipalType
{
    User,
    ApiKey,

    /// <summary>Another app of the platform (the gateway) calling an internal endpoint.</summary>
    Service,
}

/// <summary>
/// Who is calling and inside which organisation, as vouched for by the gateway. Handlers take it
/// as a parameter; every query they run is scoped by <see cref="OrganisationId"/>.
/// </summary>
public sealed record Caller(
    string OrganisationId,
    string PrincipalId,
    PrincipalType PrincipalType,
    string? Role,
    IReadOnlySet<string> Scopes)
{
    /// <summary>Contract §3: <c>x:write</c> implies <c>x:read</c>.</summary>
    public bool HasScope(string scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        if (Scopes.Contains(scope))
        {
            return true;
        }

        return scope.EndsWith(":read", StringComparison.Ordinal)
            && Scopes.Contains(string.Concat(scope.AsSpan(0, scope.Length - "read".Length), "write"));
    }

    public static Caller? FromPrincipal(ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        if (principal.Identity?.IsAuthenticated != true)
        {
            return null;
        }

        var organisation = principal.FindFirstValue(IdentityClaims.Organisation);
        var subject = principal.FindFirstValue(IdentityClaims.Subject);
        var type = principal.FindFirstValue(IdentityClaims.PrincipalType);
        if (organisation is null || subject is null || !IdentityClaims.TryParsePrincipalType(type, out var principalType))
        {
            return null;
        }

        var scopes = (principal.FindFirstValue(IdentityClaims.Scope) ?? "")
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .ToHashSet(StringComparer.Ordinal);
        return new Caller(organisation, subject, principalType, principal.FindFirstValue(IdentityClaims.Role), scopes);
    }

    /// <summary>Lets minimal-API handlers declare <c>Caller caller</c> as a parameter.</summary>
    public static ValueTask<Caller?> BindAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ValueTask.FromResult(FromPrincipal(context.User));
    }
}

/// <summary>Claim names of the internal identity token: the contract between gateway and services.</summary>
public static class IdentityClaims
{
    public const string Organisation = "org";
    public const string Subject = "sub";
    public const string PrincipalType = "principal_type";
    public const string Role = "role";
    public const string Scope = "scope";

    /// <summary>The organisation's plan, which sets its rate limits at the gateway.</summary>
    public const string Plan = "plan";

    public static string Format(PrincipalType type) => type switch
    {
        Identity.PrincipalType.User => "user",
        Identity.PrincipalType.ApiKey => "api_key",
        Identity.PrincipalType.Service => "service",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    public static bool TryParsePrincipalType(string? value, out PrincipalType type)
    {
        (var known, type) = value switch
        {
            "user" => (true, Identity.PrincipalType.User),
            "api_key" => (true, Identity.PrincipalType.ApiKey),
            "service" => (true, Identity.PrincipalType.Service),
            _ => (false, default),
        };
        return known;
    }
}
