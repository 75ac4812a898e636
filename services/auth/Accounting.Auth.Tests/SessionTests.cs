using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Npgsql;

namespace Accounting.Auth.Tests;

public sealed class SessionTests(AuthFactory factory) : IClassFixture<AuthFactory>
{
    private readonly HttpClient anonymous = factory.CreateClient();

    [Fact]
    public async Task Register_creates_the_organisation_its_owner_and_a_session()
    {
        var email = $"new-{Guid.NewGuid():N}@example.com";
        var response = await anonymous.PostAsJsonAsync("/api/v1/auth/register", new
        {
            organisation_name = "Bright Books Ltd", email, password = "a long enough password", full_name = "Grace Founder",
        });

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("user").GetProperty("id").GetString().ShouldStartWith("usr_");
        body.GetProperty("user").GetProperty("email").GetString().ShouldBe(email);
        body.GetProperty("organisation").GetProperty("id").GetString().ShouldStartWith("org_");
        body.GetProperty("organisation").GetProperty("name").GetString().ShouldBe("Bright Books Ltd");
        var tokens = body.GetProperty("tokens");
        tokens.GetProperty("token_type").GetString().ShouldBe("bearer");
        tokens.GetProperty("expires_in").GetInt32().ShouldBe(900);
        tokens.GetProperty("refresh_token").GetString().ShouldStartWith("rt_");

        var organisationId = body.GetProperty("organisation").GetProperty("id").GetString();
        await using var connection = new NpgsqlConnection(factory.Database.ConnectionString);
        (await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM outbox_messages WHERE event_type = 'organisation.created' AND organisation_id = @organisationId",
            new { organisationId })).ShouldBe(1);
        (await connection.ExecuteScalarAsync<string>(
            "SELECT role FROM memberships WHERE organisation_id = @organisationId", new { organisationId })).ShouldBe("owner");
    }

    [Theory]
    [InlineData("/api/v1/auth/login")]
    [InlineData("/api/v1/auth/register")]
    [InlineData("/api/v1/auth/refresh")]
    public async Task A_public_endpoint_answers_a_body_that_is_not_json_with_415(string path)
    {
        var response = await anonymous.PostAsync(path, new StringContent("""{"email": "a@example.com", "password": "x"}""", System.Text.Encoding.UTF8, "text/plain"));

        response.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString().ShouldBe("unsupported_media_type");
    }

    [Fact]
    public async Task Registering_an_email_twice_is_a_409_and_leaves_nothing_behind()
    {
        var account = await factory.RegisterAsync();
        await using var connection = new NpgsqlConnection(factory.Database.ConnectionString);
        var organisationsBefore = await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM organisations");

        var response = await anonymous.PostAsJsonAsync("/api/v1/auth/register", new
        {
            organisation_name = "Copycat Ltd", email = account.Email.ToUpperInvariant(), password = "another long password", full_name = "Copy Cat",
        });

        response.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await ErrorCode(response)).ShouldBe("conflict");
        (await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM organisations")).ShouldBe(organisationsBefore);
    }

    [Fact]
    public async Task A_short_password_and_missing_fields_are_a_422_naming_each_field()
    {
        var response = await anonymous.PostAsJsonAsync("/api/v1/auth/register", new { email = "not-an-email", password = "short" });

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var fields = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("errors")
            .EnumerateArray().Select(e => e.GetProperty("field").GetString()).ToList();
        fields.ShouldBe(["organisation_name", "full_name", "email", "password"], ignoreOrder: true);
    }

    [Fact]
    public async Task Login_returns_a_session_and_the_user()
    {
        var account = await factory.RegisterAsync();

        var response = await Login(account.Email, account.Password);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("user").GetProperty("id").GetString().ShouldBe(account.UserId);
        body.GetProperty("tokens").GetProperty("access_token").GetString().ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task An_unknown_email_and_a_wrong_password_get_the_same_answer()
    {
        var account = await factory.RegisterAsync();

        var unknown = await Login($"nobody-{Guid.NewGuid():N}@example.com", account.Password);
        var wrong = await Login(account.Email, "not the right password");

        unknown.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        wrong.StatusCode.ShouldBe(unknown.StatusCode);
        var unknownError = (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        var wrongError = (await wrong.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        wrongError.GetProperty("code").GetString().ShouldBe("invalid_credentials");
        wrongError.GetProperty("code").GetString().ShouldBe(unknownError.GetProperty("code").GetString());
        wrongError.GetProperty("message").GetString().ShouldBe(unknownError.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Five_failures_lock_the_account_for_15_minutes()
    {
        var account = await factory.RegisterAsync();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            (await Login(account.Email, "wrong password " + attempt)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        var locked = await Login(account.Email, account.Password);
        locked.StatusCode.ShouldBe((HttpStatusCode)423);
        var error = (await locked.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        error.GetProperty("code").GetString().ShouldBe("account_locked");
        error.GetProperty("message").GetString()!.ShouldContain("15 more minute");

        factory.Clock.Advance(TimeSpan.FromMinutes(14));
        (await Login(account.Email, account.Password)).StatusCode.ShouldBe((HttpStatusCode)423);

        factory.Clock.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        (await Login(account.Email, account.Password)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Concurrent_wrong_passwords_are_checked_at_most_five_times_before_the_lock()
    {
        var account = await factory.RegisterAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 25).Select(attempt => Login(account.Email, "wrong password " + attempt)));

        var codes = await Task.WhenAll(responses.Select(ErrorCode));
        codes.Count(code => code == "invalid_credentials").ShouldBeLessThanOrEqualTo(5);
        codes.Where(code => code != "invalid_credentials").ShouldAllBe(code => code == "account_locked");
        var right = await Login(account.Email, account.Password);
        right.StatusCode.ShouldBe((HttpStatusCode)423);
        (await ErrorCode(right)).ShouldBe("account_locked");
    }

    [Fact]
    public async Task A_successful_login_resets_the_failure_count()
    {
        var account = await factory.RegisterAsync();
        for (var attempt = 0; attempt < 4; attempt++)
        {
            await Login(account.Email, "wrong password");
        }

        (await Login(account.Email, account.Password)).StatusCode.ShouldBe(HttpStatusCode.OK);
        for (var attempt = 0; attempt < 4; attempt++)
        {
            await Login(account.Email, "wrong password");
        }

        (await Login(account.Email, account.Password)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Refresh_rotates_the_token_and_the_old_one_stops_working()
    {
        var account = await factory.RegisterAsync();

        var first = await Refresh(account.RefreshToken);
        first.StatusCode.ShouldBe(HttpStatusCode.OK);
        var rotated = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("tokens").GetProperty("refresh_token").GetString()!;
        rotated.ShouldNotBe(account.RefreshToken);

        (await Refresh(rotated)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Reusing_a_rotated_refresh_token_revokes_the_whole_chain()
    {
        var account = await factory.RegisterAsync();
        var rotated = (await (await Refresh(account.RefreshToken)).Content.ReadFromJsonAsync<JsonElement>())
            .GetProperty("tokens").GetProperty("refresh_token").GetString()!;

        var replay = await Refresh(account.RefreshToken);

        replay.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await ErrorCode(replay)).ShouldBe("invalid_token");
        (await Refresh(rotated)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Logout_ends_the_refresh_token()
    {
        var account = await factory.RegisterAsync();

        var logout = await anonymous.PostAsJsonAsync("/api/v1/auth/logout", new { refresh_token = account.RefreshToken });

        logout.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await Refresh(account.RefreshToken)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_refresh_token_from_before_a_password_change_is_refused()
    {
        var account = await factory.RegisterAsync();
        using var client = factory.ClientFor(account);

        var change = await client.PostAsJsonAsync("/api/v1/auth/password", new { current_password = account.Password, new_password = "a brand new passphrase" });

        change.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await Refresh(account.RefreshToken)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await Login(account.Email, account.Password)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await Login(account.Email, "a brand new passphrase")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_wrong_current_password_does_not_change_it()
    {
        var account = await factory.RegisterAsync();
        using var client = factory.ClientFor(account);

        var change = await client.PostAsJsonAsync("/api/v1/auth/password", new { current_password = "not my password", new_password = "a brand new passphrase" });

        change.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await Refresh(account.RefreshToken)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Me_describes_the_user_and_their_organisations()
    {
        var account = await factory.RegisterAsync();
        using var client = factory.ClientFor(account);

        var me = await client.GetFromJsonAsync<JsonElement>("/api/v1/auth/me");

        me.GetProperty("id").GetString().ShouldBe(account.UserId);
        me.GetProperty("role").GetString().ShouldBe("owner");
        me.GetProperty("organisation").GetProperty("id").GetString().ShouldBe(account.OrganisationId);
        me.GetProperty("organisations").GetArrayLength().ShouldBe(1);
    }

    [Fact]
    public async Task An_api_key_cannot_call_user_only_endpoints()
    {
        var account = await factory.RegisterAsync();
        using var client = factory.ClientForApiKey(account.OrganisationId, "organisation:write");

        var response = await client.GetAsync("/api/v1/auth/me");

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await ErrorCode(response)).ShouldBe("forbidden");
    }

    private Task<HttpResponseMessage> Login(string email, string password) =>
        anonymous.PostAsJsonAsync("/api/v1/auth/login", new { email, password });

    private Task<HttpResponseMessage> Refresh(string refreshToken) =>
        anonymous.PostAsJsonAsync("/api/v1/auth/refresh", new { refresh_token = refreshToken });

    internal static async Task<string?> ErrorCode(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString();
}
