using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Accounting.Redis;
using Accounting.ServiceDefaults.Identity;
using Accounting.Testing;
using StackExchange.Redis;

namespace Accounting.Auth.Tests;

public sealed class ApiKeyTests(AuthFactory factory) : IClassFixture<AuthFactory>
{
    // Bounds waits that end as soon as their outcome arrives, so it may be generous for a loaded machine.
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_new_key_is_shown_once_and_listed_without_its_secret()
    {
        var account = await factory.RegisterAsync();
        using var client = factory.ClientFor(account);

        var created = await CreateKey(client, new { name = "Xero sync", scopes = new[] { "invoices:write", "contacts:read" } });

        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        var key = await created.Content.ReadFromJsonAsync<JsonElement>();
        var secret = key.GetProperty("key").GetString()!;
        secret.ShouldMatch("^sk_live_[0-9A-Za-z]{40}$");
        key.GetProperty("prefix").GetString().ShouldBe("sk_live");
        key.GetProperty("last_four").GetString().ShouldBe(secret[^4..]);
        key.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()).ShouldBe(["contacts:read", "invoices:write"]);

        var listed = await client.GetStringAsync("/api/v1/api-keys");
        listed.ShouldNotContain(secret);
        var item = JsonDocument.Parse(listed).RootElement.GetProperty("data")[0];
        item.GetProperty("id").GetString().ShouldBe(key.GetProperty("id").GetString());
        item.TryGetProperty("key", out _).ShouldBeFalse();
        item.GetProperty("last_used_at").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task A_test_mode_key_has_the_test_prefix()
    {
        var account = await factory.RegisterAsync();
        using var client = factory.ClientFor(account);

        var key = await (await CreateKey(client, new { name = "Sandbox", scopes = new[] { "reports:read" }, mode = "test" })).Content.ReadFromJsonAsync<JsonElement>();

        key.GetProperty("key").GetString()!.ShouldStartWith("sk_test_");
    }

    [Fact]
    public async Task Unknown_scopes_modes_and_past_expiries_are_a_422()
    {
        var account = await factory.RegisterAsync();
        using var client = factory.ClientFor(account);

        var response = await CreateKey(client, new { name = "", scopes = new[] { "invoices:delete" }, mode = "prod", expires_at = factory.Clock.GetUtcNow().AddDays(-1) });

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var fields = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("errors")
            .EnumerateArray().Select(e => e.GetProperty("field").GetString()).ToList();
        fields.ShouldBe(["name", "scopes[0]", "mode", "expires_at"], ignoreOrder: true);
    }

    [Fact]
    public async Task Concurrent_creations_never_exceed_five_active_keys()
    {
        var account = await factory.RegisterAsync();
        using var client = factory.ClientFor(account);

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => CreateKey(client, new { name = $"key {i}", scopes = new[] { "reports:read" } })));

        responses.Count(r => r.StatusCode == HttpStatusCode.Created).ShouldBe(5);
        var refused = responses.Where(r => r.StatusCode != HttpStatusCode.Created).ToList();
        refused.ShouldAllBe(r => r.StatusCode == HttpStatusCode.Conflict);
        (await SessionTests.ErrorCode(refused[0])).ShouldBe("key_limit_reached");
    }

    [Fact]
    public async Task A_creation_retried_with_its_idempotency_key_replays_the_same_key_and_makes_no_second()
    {
        var account = await factory.RegisterAsync();
        using var client = factory.ClientFor(account);
        var idempotencyKey = Guid.NewGuid().ToString();

        var first = await CreateKey(client, new { name = "Retried", scopes = new[] { "reports:read" } }, idempotencyKey);
        var retried = await CreateKey(client, new { name = "Retried", scopes = new[] { "reports:read" } }, idempotencyKey);
        var changed = await CreateKey(client, new { name = "Changed", scopes = new[] { "reports:read" } }, idempotencyKey);

        first.StatusCode.ShouldBe(HttpStatusCode.Created);
        retried.StatusCode.ShouldBe(HttpStatusCode.Created);
        retried.Headers.GetValues("Idempotent-Replayed").Single().ShouldBe("true");
        (await retried.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()
            .ShouldBe((await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString());
        changed.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await SessionTests.ErrorCode(changed)).ShouldBe("idempotency_key_reused");
        var listed = JsonDocument.Parse(await client.GetStringAsync("/api/v1/api-keys")).RootElement;
        listed.GetProperty("pagination").GetProperty("total").GetInt64().ShouldBe(1);
    }

    [Fact]
    public async Task A_revoked_key_frees_its_place_stops_resolving_and_is_announced_to_gateways()
    {
        var account = await factory.RegisterAsync();
        using var client = factory.ClientFor(account);
        var key = await (await CreateKey(client, new { name = "Temporary", scopes = new[] { "reports:read" } })).Content.ReadFromJsonAsync<JsonElement>();
        var keyHash = ApiKeyHash.Compute(key.GetProperty("key").GetString()!);
        using var redis = await ConnectionMultiplexer.ConnectAsync(TestEnvironment.Redis);
        var announced = new TaskCompletionSource<string>();
        await redis.GetSubscriber().SubscribeAsync(RevocationNotice.Channel, (_, message) => announced.TrySetResult(message!));

        var revoked = await client.DeleteAsync($"/api/v1/api-keys/{key.GetProperty("id").GetString()}");

        revoked.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await announced.Task.WaitAsync(Deadline)).ShouldBe(keyHash);
        var resolved = await Resolve(keyHash);
        resolved.GetProperty("status").GetString().ShouldBe("revoked");
        (await client.GetFromJsonAsync<JsonElement>("/api/v1/api-keys")).GetProperty("pagination").GetProperty("total").GetInt64().ShouldBe(0);
        (await client.DeleteAsync($"/api/v1/api-keys/{key.GetProperty("id").GetString()}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_gateway_resolves_a_key_by_hash_to_its_organisation_scopes_and_plan()
    {
        var account = await factory.RegisterAsync();
        using var client = factory.ClientFor(account);
        var key = await (await CreateKey(client, new { name = "Resolver", scopes = new[] { "journals:write" } })).Content.ReadFromJsonAsync<JsonElement>();

        var resolved = await Resolve(ApiKeyHash.Compute(key.GetProperty("key").GetString()!));

        resolved.GetProperty("key_id").GetString().ShouldBe(key.GetProperty("id").GetString());
        resolved.GetProperty("organisation_id").GetString().ShouldBe(account.OrganisationId);
        resolved.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()).ShouldBe(["journals:write"]);
        resolved.GetProperty("plan").GetString().ShouldBe("standard");
        resolved.GetProperty("status").GetString().ShouldBe("active");
    }

    [Fact]
    public async Task An_expired_key_resolves_as_expired()
    {
        var account = await factory.RegisterAsync();
        using var client = factory.ClientFor(account);
        var key = await (await CreateKey(client, new { name = "Short lived", scopes = new[] { "reports:read" }, expires_at = factory.Clock.GetUtcNow().AddHours(1) }))
            .Content.ReadFromJsonAsync<JsonElement>();

        factory.Clock.Advance(TimeSpan.FromHours(2));

        (await Resolve(ApiKeyHash.Compute(key.GetProperty("key").GetString()!))).GetProperty("status").GetString().ShouldBe("expired");
    }

    [Fact]
    public async Task Usage_reported_in_a_batch_shows_as_last_used()
    {
        var account = await factory.RegisterAsync();
        using var client = factory.ClientFor(account);
        var keyId = (await (await CreateKey(client, new { name = "Busy", scopes = new[] { "reports:read" } })).Content.ReadFromJsonAsync<JsonElement>())
            .GetProperty("id").GetString();
        var usedAt = new DateTimeOffset(2026, 11, 22, 10, 30, 0, TimeSpan.Zero);
        using var gateway = factory.ClientForGateway();

        var reported = await gateway.PostAsJsonAsync("/internal/api-keys/usage", new { usages = new[] { new { key_id = keyId, last_used_at = usedAt } } });

        reported.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var item = (await client.GetFromJsonAsync<JsonElement>("/api/v1/api-keys")).GetProperty("data")[0];
        item.GetProperty("last_used_at").GetDateTimeOffset().ShouldBe(usedAt);
    }

    [Fact]
    public async Task Internal_endpoints_do_not_exist_for_users_or_keys()
    {
        var account = await factory.RegisterAsync();
        using var client = factory.ClientFor(account);

        var response = await client.PostAsJsonAsync("/internal/api-keys/resolve", new { key_hash = new string('a', 64) });

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("accountant")]
    [InlineData("viewer")]
    public async Task Only_owners_and_admins_manage_keys(string role)
    {
        var account = await factory.RegisterAsync();
        using var client = factory.ClientFor(account, role);

        var response = await CreateKey(client, new { name = "Nope", scopes = new[] { "reports:read" } });

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await SessionTests.ErrorCode(response)).ShouldBe("forbidden");
    }

    [Fact]
    public async Task An_api_key_cannot_manage_keys()
    {
        var account = await factory.RegisterAsync();
        using var client = factory.ClientForApiKey(account.OrganisationId, "organisation:write");

        var response = await client.GetAsync("/api/v1/api-keys");

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await SessionTests.ErrorCode(response)).ShouldBe("forbidden");
    }

    [Fact]
    public async Task Another_organisations_key_is_not_found_and_not_touched()
    {
        var victim = await factory.RegisterAsync();
        var attacker = await factory.RegisterAsync();
        using var victimClient = factory.ClientFor(victim);
        using var attackerClient = factory.ClientFor(attacker);
        var keyId = (await (await CreateKey(victimClient, new { name = "Mine", scopes = new[] { "reports:read" } })).Content.ReadFromJsonAsync<JsonElement>())
            .GetProperty("id").GetString();

        var response = await attackerClient.DeleteAsync($"/api/v1/api-keys/{keyId}");

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await attackerClient.GetFromJsonAsync<JsonElement>("/api/v1/api-keys")).GetProperty("data").GetArrayLength().ShouldBe(0);
        (await victimClient.GetFromJsonAsync<JsonElement>("/api/v1/api-keys")).GetProperty("data").GetArrayLength().ShouldBe(1);
    }

    private static Task<HttpResponseMessage> CreateKey(HttpClient client, object request, string? idempotencyKey = null)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, "/api/v1/api-keys") { Content = JsonContent.Create(request) };
        if (idempotencyKey is not null)
        {
            message.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return client.SendAsync(message);
    }

    private async Task<JsonElement> Resolve(string keyHash)
    {
        using var gateway = factory.ClientForGateway();
        var response = await gateway.PostAsJsonAsync("/internal/api-keys/resolve", new { key_hash = keyHash });
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
