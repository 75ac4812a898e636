using Dapper;
using Npgsql;

namespace Accounting.Auth.Endpoints;

/// <summary>
/// The lockout of contract §3, counted on the user's row. Each attempt, password or second factor,
/// is reserved as a failure in one atomic update before the slow check runs, so however many
/// arrive at once at most <see cref="AuthOptions.MaxFailedLogins"/> are checked before the lock.
/// A right password hands its reservation back; only a completed login resets the count.
/// </summary>
internal static class LoginAttempts
{
    /// <returns>Null when the attempt is reserved; otherwise how long the account stays locked.</returns>
    public static async Task<TimeSpan?> ReserveAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string userId, DateTimeOffset now, AuthOptions settings, CancellationToken cancellationToken)
    {
        // A lapsed lock starts the count afresh; the attempt that reaches the limit sets the lock.
        var reserved = await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE users SET
                failed_logins = CASE WHEN locked_until IS NULL THEN failed_logins + 1 ELSE 1 END,
                locked_until = CASE WHEN (CASE WHEN locked_until IS NULL THEN failed_logins + 1 ELSE 1 END) >= @MaxFailedLogins THEN @LockedUntil END
            WHERE id = @UserId AND (locked_until IS NULL OR locked_until <= @Now)
            """,
            new { UserId = userId, Now = now, settings.MaxFailedLogins, LockedUntil = now + settings.LockoutDuration },
            transaction, cancellationToken: cancellationToken));
        if (reserved == 1)
        {
            return null;
        }

        var lockedUntil = await connection.QuerySingleOrDefaultAsync<DateTimeOffset?>(new CommandDefinition(
            "SELECT locked_until FROM users WHERE id = @UserId", new { UserId = userId }, transaction, cancellationToken: cancellationToken));
        // A lock that lapsed in between still refused this attempt; the next one is reserved.
        return lockedUntil > now ? lockedUntil.Value - now : TimeSpan.Zero;
    }

    /// <summary>The password was right but the login is not complete (a second factor follows): the attempt was no failure.</summary>
    public static Task ReleaseAsync(NpgsqlTransaction transaction, string userId, AuthOptions settings, CancellationToken cancellationToken) =>
        transaction.Connection!.ExecuteAsync(new CommandDefinition(
            """
            UPDATE users SET
                failed_logins = GREATEST(failed_logins - 1, 0),
                locked_until = CASE WHEN failed_logins - 1 >= @MaxFailedLogins THEN locked_until END
            WHERE id = @UserId
            """,
            new { UserId = userId, settings.MaxFailedLogins }, transaction, cancellationToken: cancellationToken));

    public static Task ResetAsync(NpgsqlTransaction transaction, string userId, CancellationToken cancellationToken) =>
        transaction.Connection!.ExecuteAsync(new CommandDefinition(
            "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = @UserId",
            new { UserId = userId }, transaction, cancellationToken: cancellationToken));
}
