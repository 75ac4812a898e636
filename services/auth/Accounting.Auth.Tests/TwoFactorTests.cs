using System.Net.Http.Json;
using System.Net;
using System.Text.Json;
using Accounting.Auth.Security;
using Base32Encoding = OtpNet.Base32Encoding;

namespace Accounting.Auth.Tests;

public sealed class TwoFactorTests(AuthFactory factory) : IClassFixture<AuthFactory>
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(30);
    private readonly HttpClient anonymous = factory.CreateClient();

    [Fact]
    public async Task Setup_returns_a_base32_secret_and_an_otpauth_uri()
    {
        var account = await factory.RegisterAsync();
        using var client = factory.ClientFor(account);

        var setup = await client.PostAsync("/api/v1/auth/totp/setup", null);

        setup.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await setup.Content.ReadFromJsonAsync<JsonElement>();
        var secret = body.GetProperty("secret").GetString()!;
        Base32Encoding.ToBytes(secret).Length.ShouldBe(20);
        body.GetProperty("otpauth_uri").GetString()!.ShouldStartWith("otpauth://totp/");
        body.GetProperty("otpauth_uri").GetString()!.ShouldContain("secret=" + secret);
    }

    [Fact]
    public async Task Login_with_two_factor_needs_a_code_exchanged_with_the_temporary_token()
    {
        var (account, secret) = await EnableTwoFactorAsync();

        var login = await anonymous.PostAsJsonAsync("/api/v1/auth/login", new { email = account.Email, password = account.Password });
        var challenge = await login.Content.ReadFromJsonAsync<JsonElement>();
        challenge.GetProperty("requires_totp").GetBoolean().ShouldBeTrue();
        challenge.GetProperty("expires_in").GetInt32().ShouldBe(300);
        challenge.TryGetProperty("tokens", out _).ShouldBeFalse();
        var temporaryToken = challenge.GetProperty("temp_token").GetString()!;

        factory.Clock.Advance(Step);
        var verified = await Verify(temporaryToken, CurrentCode(secret));

        verified.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await verified.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("tokens").GetProperty("access_token").GetString().ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task A_code_is_accepted_only_once()
    {
        var (account, secret) = await EnableTwoFactorAsync();
        factory.Clock.Advance(Step);
        var code = CurrentCode(secret);
        (await Verify(await TemporaryTokenAsync(account), code)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var replay = await Verify(await TemporaryTokenAsync(account), code);

        replay.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await SessionTests.ErrorCode(replay)).ShouldBe("invalid_totp");
    }

    [Fact]
    public async Task The_code_that_enabled_two_factor_cannot_log_in()
    {
        var (account, secret) = await EnableTwoFactorAsync();

        var response = await Verify(await TemporaryTokenAsync(account), CurrentCode(secret));

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_temporary_token_works_once_and_expires_after_five_minutes()
    {
        var (account, secret) = await EnableTwoFactorAsync();
        var used = await TemporaryTokenAsync(account);
        factory.Clock.Advance(Step);
        (await Verify(used, CurrentCode(secret))).StatusCode.ShouldBe(HttpStatusCode.OK);
        factory.Clock.Advance(Step);
        (await Verify(used, CurrentCode(secret))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        var stale = await TemporaryTokenAsync(account);
        factory.Clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        var expired = await Verify(stale, CurrentCode(secret));

        expired.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await SessionTests.ErrorCode(expired)).ShouldBe("invalid_token");
    }

    [Fact]
    public async Task Wrong_codes_burn_the_temporary_token_after_five_tries()
    {
        var (account, secret) = await EnableTwoFactorAsync();
        var temporaryToken = await TemporaryTokenAsync(account);
        factory.Clock.Advance(Step);
        var right = CurrentCode(secret);
        var wrong = WrongCode(secret);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            (await SessionTests.ErrorCode(await Verify(temporaryToken, wrong))).ShouldBe("invalid_totp");
        }

        (await Verify(temporaryToken, right)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Five_wrong_codes_across_fresh_challenges_lock_the_account_for_15_minutes()
    {
        var (account, secret) = await EnableTwoFactorAsync();
        var heldBack = await TemporaryTokenAsync(account);
        factory.Clock.Advance(Step);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            // A right password each time: only a completed login may reset the count.
            (await SessionTests.ErrorCode(await Verify(await TemporaryTokenAsync(account), WrongCode(secret)))).ShouldBe("invalid_totp");
        }

        var login = await anonymous.PostAsJsonAsync("/api/v1/auth/login", new { email = account.Email, password = account.Password });
        var verify = await Verify(heldBack, CurrentCode(secret));

        login.StatusCode.ShouldBe((HttpStatusCode)423);
        (await SessionTests.ErrorCode(login)).ShouldBe("account_locked");
        verify.StatusCode.ShouldBe((HttpStatusCode)423);
        (await SessionTests.ErrorCode(verify)).ShouldBe("account_locked");

        factory.Clock.Advance(TimeSpan.FromMinutes(15));
        (await Verify(await TemporaryTokenAsync(account), CurrentCode(secret))).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Verify_without_the_temporary_token_is_totp_required()
    {
        var response = await anonymous.PostAsJsonAsync("/api/v1/auth/totp/verify", new { code = "123456" });

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await SessionTests.ErrorCode(response)).ShouldBe("totp_required");
    }

    [Fact]
    public async Task Enable_and_disable_need_a_valid_code()
    {
        var account = await factory.RegisterAsync();
        using var client = factory.ClientFor(account);
        var secret = Base32Encoding.ToBytes((await (await client.PostAsync("/api/v1/auth/totp/setup", null)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!);

        (await client.PostAsJsonAsync("/api/v1/auth/totp/enable", new { code = WrongCode(secret) })).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await client.PostAsJsonAsync("/api/v1/auth/totp/enable", new { code = CurrentCode(secret) })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        factory.Clock.Advance(Step);
        (await client.PostAsJsonAsync("/api/v1/auth/totp/disable", new { code = WrongCode(secret) })).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await client.PostAsJsonAsync("/api/v1/auth/totp/disable", new { code = CurrentCode(secret) })).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        var login = await anonymous.PostAsJsonAsync("/api/v1/auth/login", new { email = account.Email, password = account.Password });
        (await login.Content.ReadFromJsonAsync<JsonElement>()).TryGetProperty("tokens", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task Enabling_without_setup_is_a_conflict()
    {
        var account = await factory.RegisterAsync();
        using var client = factory.ClientFor(account);

        var response = await client.PostAsJsonAsync("/api/v1/auth/totp/enable", new { code = "123456" });

        response.StatusCode.ShouldBe(HttpStatusCode.Conflict);
    }

    private async Task<(Account Account, byte[] Secret)> EnableTwoFactorAsync()
    {
        var account = await factory.RegisterAsync();
        using var client = factory.ClientFor(account);
        var setup = await (await client.PostAsync("/api/v1/auth/totp/setup", null)).Content.ReadFromJsonAsync<JsonElement>();
        var secret = Base32Encoding.ToBytes(setup.GetProperty("secret").GetString()!);
        (await client.PostAsJsonAsync("/api/v1/auth/totp/enable", new { code = CurrentCode(secret) })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        return (account, secret);
    }

    private async Task<string> TemporaryTokenAsync(Account account)
    {
        var login = await anonymous.PostAsJsonAsync("/api/v1/auth/login", new { email = account.Email, password = account.Password });
        return (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("temp_token").GetString()!;
    }

    private async Task<HttpResponseMessage> Verify(string temporaryToken, string code)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/auth/totp/verify") { Content = JsonContent.Create(new { code }) };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", temporaryToken);
        return await anonymous.SendAsync(request);
    }

    private string CurrentCode(byte[] secret) => Totp.Code(secret, Totp.TimeStep(factory.Clock.GetUtcNow()));

    private string WrongCode(byte[] secret)
    {
        var now = Totp.TimeStep(factory.Clock.GetUtcNow());
        var accepted = new[] { now - 1, now, now + 1 }.Select(step => Totp.Code(secret, step)).ToHashSet();
        return Enumerable.Range(0, 10).Select(d => new string((char)('0' + d), 6)).First(code => !accepted.Contains(code));
    }
}
