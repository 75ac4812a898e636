using Microsoft.AspNetCore.Identity;

namespace Accounting.Auth.Security;

/// <summary>
/// PBKDF2 (HMAC-SHA512, 100,000 iterations) through ASP.NET Core Identity's hasher. A login for
/// an unknown email verifies against a dummy hash, so it costs the same time as a wrong password.
/// </summary>
public static class Passwords
{
    public const int MinimumLength = 12;

    private static readonly PasswordHasher<object> Hasher = new();
    private static readonly object NoUser = new();
    private static readonly string DummyHash = Hasher.HashPassword(NoUser, "a password nobody has, for constant-time refusals");

    public static string Hash(string password) => Hasher.HashPassword(NoUser, password);

    public static bool Verify(string? hash, string password) =>
        Hasher.VerifyHashedPassword(NoUser, hash ?? DummyHash, password) != PasswordVerificationResult.Failed && hash is not null;
}
