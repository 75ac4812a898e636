using System.Collections.Frozen;

namespace Accounting.ServiceDefaults.Identity;

/// <summary>The scopes of contract §3 and what each role is granted.</summary>
public static class ApiScopes
{
    public const string Read = "read";
    public const string Write = "write";

    private static readonly string[] ReadWriteResources =
        ["accounts", "journals", "contacts", "invoices", "bills", "transactions", "documents", "organisation", "webhooks"];

    /// <summary>Every scope that exists: <c>reports</c> is read-only, <c>bank-imports</c> write-only.</summary>
    public static FrozenSet<string> All { get; } = ReadWriteResources
        .SelectMany(resource => new[] { $"{resource}:{Read}", $"{resource}:{Write}" })
        .Append("reports:read")
        .Append("bank-imports:write")
        .ToFrozenSet(StringComparer.Ordinal);

    public static readonly FrozenSet<string> Roles = new[] { "owner", "admin", "accountant", "viewer" }.ToFrozenSet(StringComparer.Ordinal);

    public static IReadOnlySet<string> ForRole(string role) => role switch
    {
        "owner" or "admin" => All,
        "accountant" => All.Where(scope => scope is not ("organisation:write" or "webhooks:write")).ToFrozenSet(StringComparer.Ordinal),
        "viewer" => All.Where(scope => scope.EndsWith(":" + Read, StringComparison.Ordinal)).ToFrozenSet(StringComparer.Ordinal),
        _ => FrozenSet<string>.Empty,
    };

    public static bool CanManageOrganisation(string? role) => role is "owner" or "admin";
}
