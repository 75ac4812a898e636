using Accounting.Postgres;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Accounting.Auth.Security;

/// <summary>
/// Deletes refresh tokens and login challenges once they have been expired for
/// <see cref="AuthOptions.ExpiredSessionRetention"/>. An expired refresh token is refused before
/// reuse detection looks at it, so every token that reuse detection still needs, the used ones of
/// a live rotation chain among them, is unexpired and stays.
/// </summary>
public sealed class SessionRetention(NpgsqlDataSource dataSource, IOptions<AuthOptions> options, TimeProvider clock, ILogger<SessionRetention> logger)
    : RetentionJob(dataSource, clock, logger)
{
    public override async Task<long> DeleteExpiredAsync(CancellationToken cancellationToken)
    {
        var expiredBefore = new { Cutoff = Clock.GetUtcNow() - options.Value.ExpiredSessionRetention };
        var refreshTokens = await DeleteInBatchesAsync(
            "DELETE FROM refresh_tokens WHERE id IN (SELECT id FROM refresh_tokens WHERE expires_at < @Cutoff LIMIT @BatchSize)",
            expiredBefore, cancellationToken);
        var loginChallenges = await DeleteInBatchesAsync(
            "DELETE FROM login_challenges WHERE token_hash IN (SELECT token_hash FROM login_challenges WHERE expires_at < @Cutoff LIMIT @BatchSize)",
            expiredBefore, cancellationToken);
        return refreshTokens + loginChallenges;
    }
}
