using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Accounting.Auth.RequestLog;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Accounting.Auth.Tests.RequestLog;

public sealed class RequestLogTests(AuthFactory factory) : IClassFixture<AuthFactory>
{
    private readonly HttpClient gateway = factory.ClientForGateway();

    [Fact]
    public async Task A_shipped_batch_is_listed_newest_first_with_every_field()
    {
        var account = await factory.RegisterAsync();
        using var owner = factory.ClientFor(account);
        var keyId = await CreateKeyAsync(owner);
        var now = factory.Clock.GetUtcNow();

        await ShipAsync(
            Entry(account.OrganisationId, now.AddSeconds(-2), "/api/v1/invoices", 200, apiKeyId: keyId, requestId: "req_older"),
            Entry(account.OrganisationId, now.AddSeconds(-1), "/api/v1/contacts", 201, method: "POST", userId: account.UserId, requestId: "req_newer", ip: "2001:db8::7"));

        var page = await ListAsync(owner, "/api/v1/request-log");
        page.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("request_id").GetString()).ShouldBe(["req_newer", "req_older"]);
        var older = page.GetProperty("data")[1];
        older.GetProperty("method").GetString().ShouldBe("GET");
        older.GetProperty("path").GetString().ShouldBe("/api/v1/invoices");
        older.GetProperty("status").GetInt32().ShouldBe(200);
        older.GetProperty("duration_ms").GetDouble().ShouldBe(1.25);
        older.GetProperty("api_key_id").GetString().ShouldBe(keyId);
        older.GetProperty("user_id").ValueKind.ShouldBe(JsonValueKind.Null);
        older.GetProperty("ip").GetString().ShouldBe("203.0.113.9");
        older.GetProperty("user_agent").GetString().ShouldBe("curl/8.5");
        older.GetProperty("created_at").GetDateTimeOffset().ShouldBe(now.AddSeconds(-2), TimeSpan.FromMilliseconds(1));
        var newer = page.GetProperty("data")[0];
        newer.GetProperty("user_id").GetString().ShouldBe(account.UserId);
        newer.GetProperty("api_key_id").ValueKind.ShouldBe(JsonValueKind.Null);
        newer.GetProperty("ip").GetString().ShouldBe("2001:db8::7");
    }

    [Fact]
    public async Task Filters_narrow_by_key_exact_status_status_class_and_time_window()
    {
        var account = await factory.RegisterAsync();
        using var owner = factory.ClientFor(account);
        var keyId = await CreateKeyAsync(owner);
        var otherKeyId = await CreateKeyAsync(owner);
        var day = new DateTimeOffset(factory.Clock.GetUtcNow().UtcDateTime.Date, TimeSpan.Zero).AddDays(-2);
        await ShipAsync(
            Entry(account.OrganisationId, day.AddHours(9), "/api/v1/a", 200, apiKeyId: keyId, requestId: "req_a"),
            Entry(account.OrganisationId, day.AddHours(10), "/api/v1/b", 404, apiKeyId: keyId, requestId: "req_b"),
            Entry(account.OrganisationId, day.AddHours(11), "/api/v1/c", 422, apiKeyId: otherKeyId, requestId: "req_c"),
            Entry(account.OrganisationId, day.AddDays(1).AddHours(1), "/api/v1/d", 503, userId: account.UserId, requestId: "req_d"));

        (await IdsAsync(owner, $"/api/v1/request-log?api_key_id={keyId}")).ShouldBe(["req_b", "req_a"]);
        (await IdsAsync(owner, $"/api/v1/api-keys/{keyId}/requests")).ShouldBe(["req_b", "req_a"]);
        (await IdsAsync(owner, "/api/v1/request-log?status=404")).ShouldBe(["req_b"]);
        (await IdsAsync(owner, "/api/v1/request-log?status=4xx")).ShouldBe(["req_c", "req_b"]);
        (await IdsAsync(owner, "/api/v1/request-log?status=5xx")).ShouldBe(["req_d"]);
        (await IdsAsync(owner, $"/api/v1/api-keys/{keyId}/requests?status=2xx")).ShouldBe(["req_a"]);
        var date = day.ToString("yyyy-MM-dd");
        (await IdsAsync(owner, $"/api/v1/request-log?from={date}&to={date}")).ShouldBe(["req_c", "req_b", "req_a"]);
        var from = Uri.EscapeDataString(day.AddHours(9).AddMinutes(30).ToString("yyyy-MM-dd'T'HH:mm:ssK"));
        var to = Uri.EscapeDataString(day.AddHours(10).ToOffset(TimeSpan.FromHours(2)).ToString("yyyy-MM-dd'T'HH:mm:sszzz"));
        (await IdsAsync(owner, $"/api/v1/request-log?from={from}&to={to}")).ShouldBe(["req_b"]);
    }

    [Fact]
    public async Task Pages_follow_the_list_shape_newest_first()
    {
        var account = await factory.RegisterAsync();
        using var owner = factory.ClientFor(account);
        var now = factory.Clock.GetUtcNow();
        await ShipAsync([.. Enumerable.Range(0, 5).Select(i => Entry(account.OrganisationId, now.AddMinutes(-i), $"/api/v1/p{i}", 200, requestId: $"req_{i}"))]);

        var first = await ListAsync(owner, "/api/v1/request-log?limit=2");
        var last = await ListAsync(owner, "/api/v1/request-log?limit=2&offset=4");

        first.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("request_id").GetString()).ShouldBe(["req_0", "req_1"]);
        first.GetProperty("pagination").GetProperty("total").GetInt64().ShouldBe(5);
        first.GetProperty("pagination").GetProperty("has_more").GetBoolean().ShouldBeTrue();
        last.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("request_id").GetString()).ShouldBe(["req_4"]);
        last.GetProperty("pagination").GetProperty("has_more").GetBoolean().ShouldBeFalse();
    }

    [Theory]
    [InlineData("status=abc", "status")]
    [InlineData("status=6xx", "status")]
    [InlineData("status=2000", "status")]
    [InlineData("from=yesterday", "from")]
    [InlineData("to=2026-01-15T10:30:00", "to")]
    [InlineData("from=2026-02-01&to=2026-01-01", "to")]
    [InlineData("api_key_id=nope", "api_key_id")]
    [InlineData("method=GET", "method")]
    [InlineData("limit=101", "limit")]
    public async Task A_bad_filter_is_a_422_naming_it(string query, string field)
    {
        var account = await factory.RegisterAsync();
        using var owner = factory.ClientFor(account);

        var response = await owner.GetAsync(new Uri($"/api/v1/request-log?{query}", UriKind.Relative));

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("error").GetProperty("code").GetString().ShouldBe("validation_failed");
        body.GetProperty("error").GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).ShouldContain(field);
    }

    [Fact]
    public async Task Another_organisations_key_is_a_404_or_a_422_and_its_entries_are_never_listed()
    {
        var victim = await factory.RegisterAsync();
        using var victimClient = factory.ClientFor(victim);
        var victimKey = await CreateKeyAsync(victimClient);
        await ShipAsync(Entry(victim.OrganisationId, factory.Clock.GetUtcNow(), "/api/v1/secret", 200, apiKeyId: victimKey, requestId: "req_victim"));
        var intruder = await factory.RegisterAsync();
        using var intruderClient = factory.ClientFor(intruder);
        await ShipAsync(Entry(intruder.OrganisationId, factory.Clock.GetUtcNow(), "/api/v1/mine", 200, requestId: "req_intruder"));

        var byPath = await intruderClient.GetAsync(new Uri($"/api/v1/api-keys/{victimKey}/requests", UriKind.Relative));
        var byFilter = await intruderClient.GetAsync(new Uri($"/api/v1/request-log?api_key_id={victimKey}", UriKind.Relative));

        byPath.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        byFilter.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await byFilter.Content.ReadAsStringAsync()).ShouldContain("api_key_id");
        (await IdsAsync(intruderClient, "/api/v1/request-log")).ShouldBe(["req_intruder"]);
        (await IdsAsync(victimClient, "/api/v1/request-log")).ShouldBe(["req_victim"]);
    }

    [Fact]
    public async Task An_API_key_a_viewer_and_an_accountant_are_forbidden()
    {
        var account = await factory.RegisterAsync();
        using var apiKey = factory.ClientForApiKey(account.OrganisationId, "organisation:write", "invoices:read");
        using var viewer = factory.ClientFor(account, role: "viewer");
        using var accountant = factory.ClientFor(account, role: "accountant");

        foreach (var client in new[] { apiKey, viewer, accountant })
        {
            foreach (var path in new[] { "/api/v1/request-log", "/api/v1/api-keys/key_any/requests" })
            {
                var response = await client.GetAsync(new Uri(path, UriKind.Relative));
                response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
                (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString().ShouldBe("forbidden");
            }
        }
    }

    [Fact]
    public async Task Only_the_gateway_may_write_the_log()
    {
        var account = await factory.RegisterAsync();
        using var owner = factory.ClientFor(account);

        var response = await owner.PostAsJsonAsync("/internal/request-log", new { entries = new[] { Entry(account.OrganisationId, factory.Clock.GetUtcNow(), "/api/v1/x", 200) } });

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await IdsAsync(owner, "/api/v1/request-log")).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_path_carrying_a_NUL_is_stored_without_it_and_does_not_sink_its_batch()
    {
        var account = await factory.RegisterAsync();
        using var owner = factory.ClientFor(account);

        await ShipAsync(
            Entry(account.OrganisationId, factory.Clock.GetUtcNow(), "/api/v1/a\0b", 200, requestId: "req_nul"),
            Entry(account.OrganisationId, factory.Clock.GetUtcNow(), "/api/v1/ok", 200, requestId: "req_ok"));

        var page = await ListAsync(owner, "/api/v1/request-log");
        page.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("path").GetString()).ShouldBe(["/api/v1/ok", "/api/v1/ab"], ignoreOrder: true);
    }

    [Fact]
    public async Task Entries_past_30_days_are_hidden_at_once_and_deleted_in_batches_by_the_retention_job()
    {
        var account = await factory.RegisterAsync();
        using var owner = factory.ClientFor(account);
        var now = factory.Clock.GetUtcNow();
        await ShipAsync(
            Entry(account.OrganisationId, now.AddDays(-29), "/api/v1/kept", 200, requestId: "req_kept"),
            Entry(account.OrganisationId, now.AddDays(-31), "/api/v1/expired", 200, requestId: "req_expired"));
        (await IdsAsync(owner, "/api/v1/request-log")).ShouldBe(["req_kept"]);

        factory.Clock.Advance(TimeSpan.FromDays(2));
        await factory.Services.GetRequiredService<RequestLogRetention>().DeleteExpiredAsync(CancellationToken.None);

        await using var connection = new NpgsqlConnection(factory.Database.ConnectionString);
        (await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM request_log WHERE organisation_id = @OrganisationId", new { account.OrganisationId })).ShouldBe(0);
    }

    [Fact]
    public async Task A_batch_breaking_the_bounds_is_refused_whole()
    {
        var account = await factory.RegisterAsync();
        using var owner = factory.ClientFor(account);

        var response = await gateway.PostAsJsonAsync("/internal/request-log", new
        {
            entries = new[]
            {
                Entry(account.OrganisationId, factory.Clock.GetUtcNow(), "/" + new string('a', 3000), 200),
                Entry(account.OrganisationId, factory.Clock.GetUtcNow(), "/api/v1/ok", 200, ip: "not an address"),
            },
        });

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await IdsAsync(owner, "/api/v1/request-log")).ShouldBeEmpty();
    }

    /// <summary>An entry as the gateway serialises it.</summary>
    private static Dictionary<string, object?> Entry(
        string organisationId, DateTimeOffset at, string path, int status,
        string method = "GET", string? apiKeyId = null, string? userId = null, string? requestId = null, string ip = "203.0.113.9") => new Dictionary<string, object?>
        {
            ["request_id"] = requestId ?? "req_" + Guid.NewGuid().ToString("N"),
            ["organisation_id"] = organisationId,
            ["method"] = method,
            ["path"] = path,
            ["status"] = status,
            ["duration_ms"] = 1.25,
            ["api_key_id"] = apiKeyId,
            ["user_id"] = userId,
            ["ip"] = ip,
            ["user_agent"] = "curl/8.5",
            ["created_at"] = at,
        };

    private async Task ShipAsync(params Dictionary<string, object?>[] entries)
    {
        var response = await gateway.PostAsJsonAsync("/internal/request-log", new { entries });
        response.StatusCode.ShouldBe(HttpStatusCode.NoContent, await response.Content.ReadAsStringAsync());
    }

    private static async Task<JsonElement> ListAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task<string?[]> IdsAsync(HttpClient client, string path) =>
        [.. (await ListAsync(client, path)).GetProperty("data").EnumerateArray().Select(e => e.GetProperty("request_id").GetString())];

    private static async Task<string> CreateKeyAsync(HttpClient owner)
    {
        var response = await owner.PostAsJsonAsync("/api/v1/api-keys", new { name = "Sync", scopes = new[] { "invoices:read" } });
        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }
}
