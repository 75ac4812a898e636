using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Accounting.Auth.Tests;

/// <summary>A class of its own: the test moves its factory's clock across a whole rotation period.</summary>
public sealed class SigningKeyRotationTests(AuthFactory factory) : IClassFixture<AuthFactory>
{
    private readonly JsonWebTokenHandler handler = new();

    [Fact]
    public async Task A_new_signing_key_is_in_the_JWKS_for_the_lead_time_before_any_token_is_signed_with_it()
    {
        var settings = factory.Services.GetRequiredService<IOptions<AuthOptions>>().Value;
        var (rotation, lead) = (settings.SigningKeyRotation, settings.SigningKeyPublishLead);
        var account = await factory.RegisterAsync();
        var publishedAt = new Dictionary<string, DateTimeOffset>();
        var firstSignedAt = new Dictionary<string, DateTimeOffset>();
        var start = factory.Clock.GetUtcNow();
        await RecordPublishedAsync(publishedAt, start);

        // Through the hand-over in steps finer than the lead, from well before it to well after.
        factory.Clock.Advance(rotation - 2 * lead);
        while (factory.Clock.GetUtcNow() < start + rotation + 3 * lead)
        {
            var now = factory.Clock.GetUtcNow();
            firstSignedAt.TryAdd(await SigningKeyAsync(account), now);
            await RecordPublishedAsync(publishedAt, now);
            factory.Clock.Advance(lead / 4);
        }

        firstSignedAt.Count.ShouldBe(2, "the key should have rotated once");
        foreach (var (kid, signedAt) in firstSignedAt)
        {
            (signedAt - publishedAt[kid]).ShouldBeGreaterThanOrEqualTo(lead, $"{kid} signed before it had been published for the lead time");
        }
    }

    private async Task RecordPublishedAsync(Dictionary<string, DateTimeOffset> publishedAt, DateTimeOffset now)
    {
        var jwks = new JsonWebKeySet(await factory.CreateClient().GetStringAsync("/.well-known/jwks.json"));
        foreach (var key in jwks.Keys)
        {
            publishedAt.TryAdd(key.Kid, now);
        }
    }

    private async Task<string> SigningKeyAsync(Account account)
    {
        var login = await factory.CreateClient().PostAsJsonAsync("/api/v1/auth/login", new { email = account.Email, password = account.Password });
        login.EnsureSuccessStatusCode();
        var accessToken = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("tokens").GetProperty("access_token").GetString()!;
        return handler.ReadJsonWebToken(accessToken).Kid;
    }
}
