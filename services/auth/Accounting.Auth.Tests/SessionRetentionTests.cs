using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Accounting.Auth.Security;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Accounting.Auth.Tests;

public sealed class SessionRetentionTests(AuthFactory factory) : IClassFixture<AuthFactory>
{
    private readonly HttpClient anonymous = factory.CreateClient();

    [Fact]
    public async Task Expired_refresh_tokens_and_login_challenges_are_deleted_and_unexpired_ones_kept_for_reuse_detection()
    {
        var settings = factory.Services.GetRequiredService<IOptions<AuthOptions>>().Value;
        var retention = factory.Services.GetRequiredService<SessionRetention>();
        var lapsed = await factory.RegisterAsync();
        await AddChallengeAsync(lapsed, "tt_lapsed", factory.Clock.GetUtcNow() + settings.LoginChallengeLifetime);
        factory.Clock.Advance(settings.RefreshTokenLifetime + settings.ExpiredSessionRetention + TimeSpan.FromMinutes(1));
        var live = await factory.RegisterAsync();
        var rotated = await RefreshAsync(live.RefreshToken);
        await AddChallengeAsync(live, "tt_live", factory.Clock.GetUtcNow() + settings.LoginChallengeLifetime);

        await retention.DeleteExpiredAsync(CancellationToken.None);

        await using var connection = new NpgsqlConnection(factory.Database.ConnectionString);
        (await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM refresh_tokens WHERE user_id = @UserId", new { lapsed.UserId })).ShouldBe(0);
        (await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM login_challenges WHERE user_id = @UserId", new { lapsed.UserId })).ShouldBe(0);
        (await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM refresh_tokens WHERE user_id = @UserId", new { live.UserId })).ShouldBe(2);
        (await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM login_challenges WHERE user_id = @UserId", new { live.UserId })).ShouldBe(1);
        // The rotated-out token is still there to give its reuse away.
        (await anonymous.PostAsJsonAsync("/api/v1/auth/refresh", new { refresh_token = live.RefreshToken })).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.PostAsJsonAsync("/api/v1/auth/refresh", new { refresh_token = rotated })).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    private async Task AddChallengeAsync(Account account, string temporaryToken, DateTimeOffset expiresAt)
    {
        await using var connection = new NpgsqlConnection(factory.Database.ConnectionString);
        await connection.ExecuteAsync(
            "INSERT INTO login_challenges (token_hash, user_id, organisation_id, expires_at) VALUES (@TokenHash, @UserId, @OrganisationId, @ExpiresAt)",
            new { TokenHash = TokenService.HashOpaque(temporaryToken), account.UserId, account.OrganisationId, ExpiresAt = expiresAt });
    }

    private async Task<string> RefreshAsync(string refreshToken)
    {
        var response = await anonymous.PostAsJsonAsync("/api/v1/auth/refresh", new { refresh_token = refreshToken });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("tokens").GetProperty("refresh_token").GetString()!;
    }
}
