using Accounting.ServiceDefaults.Errors;

namespace Accounting.Auth.Endpoints;

internal static class AuthErrors
{
    public static ApiError InvalidCredentials() => new(401, "invalid_credentials", "The email or password is incorrect.");

    public static ApiError InvalidRefreshToken() => ApiError.InvalidToken("The refresh token is invalid, expired or already used.");

    public static ApiError InvalidTemporaryToken() => ApiError.InvalidToken("The temporary token is invalid or expired. Log in again.");

    public static ApiError InvalidTotp() => new(401, "invalid_totp", "The authentication code is incorrect or was already used.");

    public static ApiError TotpRequired() => new(401, "totp_required", "Send the temporary token as a Bearer token with a code from your authenticator app.");

    public static ApiError AccountLocked(TimeSpan remaining) =>
        new(423, "account_locked", $"Too many failed logins. The account is locked for {Math.Max(1, (int)Math.Ceiling(remaining.TotalMinutes))} more minute(s).");
}
