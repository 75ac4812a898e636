using System.Net;
using System.Text.Json;
using Accounting.ServiceDefaults;
using Accounting.Testing;

namespace Accounting.Gateway.Tests.RequestLog;

public sealed class RequestLogTests(UpstreamFixture fixture) : IClassFixture<UpstreamFixture>
{
    /// <summary>Contract §9: entries appear within 10 s.</summary>
    private static readonly TimeSpan Visible = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private StubUpstream Upstream => fixture.Upstream;

    [Fact]
    public async Task An_API_key_request_reaches_auth_within_10_seconds_with_its_fields_and_without_the_query_string()
    {
        await using var gateway = new GatewayFactory(Upstream);
        using var client = gateway.CreateClient();
        var (secret, key) = Upstream.AddKey();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/v1/invoices?customer=acme&token=secret", UriKind.Relative));
        request.Headers.Add("X-API-Key", secret);
        request.Headers.Add("X-Request-Id", "req_logged_by_key");
        request.Headers.UserAgent.ParseAdd("accounting-sdk/1.2");

        var response = await client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var entry = await LoggedAsync(Upstream, e => e.GetProperty("organisation_id").GetString() == key.OrganisationId, Visible);
        entry.GetProperty("request_id").GetString().ShouldBe("req_logged_by_key");
        entry.GetProperty("method").GetString().ShouldBe("GET");
        entry.GetProperty("path").GetString().ShouldBe("/api/v1/invoices");
        entry.GetProperty("status").GetInt32().ShouldBe(200);
        entry.GetProperty("duration_ms").GetDouble().ShouldBeGreaterThan(0);
        entry.GetProperty("api_key_id").GetString().ShouldBe(key.KeyId);
        entry.GetProperty("user_id").ValueKind.ShouldBe(JsonValueKind.Null);
        entry.GetProperty("ip").GetString().ShouldBe(gateway.Peer.ToString());
        entry.GetProperty("user_agent").GetString().ShouldBe("accounting-sdk/1.2");
        entry.GetProperty("created_at").GetDateTimeOffset().ShouldBe(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));
        entry.GetRawText().ShouldNotContain("secret");
    }

    [Fact]
    public async Task A_user_token_request_is_logged_under_the_user()
    {
        await using var gateway = new GatewayFactory(Upstream);
        using var client = gateway.CreateClient();
        var (userId, organisationId) = (Ids.New("usr"), Ids.New("org"));

        (await client.GetWithBearerAsync(Upstream.Jwks.Mint(userId, organisationId), "/api/v1/reports/trial-balance")).StatusCode.ShouldBe(HttpStatusCode.OK);

        var entry = await LoggedAsync(Upstream, e => e.GetProperty("organisation_id").GetString() == organisationId, Visible);
        entry.GetProperty("user_id").GetString().ShouldBe(userId);
        entry.GetProperty("api_key_id").ValueKind.ShouldBe(JsonValueKind.Null);
        entry.GetProperty("path").GetString().ShouldBe("/api/v1/reports/trial-balance");
    }

    [Fact]
    public async Task Answers_the_gateway_gives_itself_are_logged_with_their_status()
    {
        await using var gateway = new GatewayFactory(Upstream, settings: new Dictionary<string, string>
        {
            ["RateLimits:Plans:tiny:RequestsPerHour"] = "100",
            ["RateLimits:Plans:tiny:BurstPerMinute"] = "1",
        });
        using var client = gateway.CreateClient();
        var (secret, key) = Upstream.AddKey(plan: "tiny", "documents:write");

        (await client.GetWithKeyAsync(secret, "/api/v1/invoices/first")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await client.GetWithKeyAsync(secret, "/api/v1/invoices/second")).StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        using var tooLarge = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/v1/documents/huge", UriKind.Relative))
        {
            Content = new ByteArrayContent(new byte[(10 * 1024 * 1024) + 1]),
        };
        tooLarge.Headers.Add("X-API-Key", secret);
        (await client.SendAsync(tooLarge)).StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);

        var logged = await Eventually.HoldsAsync(() => Of(Upstream, key.OrganisationId).Count == 3, Visible);

        logged.ShouldBeTrue();
        Of(Upstream, key.OrganisationId).Select(e => (e.GetProperty("path").GetString(), e.GetProperty("status").GetInt32()))
            .ShouldBe([("/api/v1/invoices/first", 200), ("/api/v1/invoices/second", 429), ("/api/v1/documents/huge", 413)], ignoreOrder: true);
        Of(Upstream, key.OrganisationId).ShouldAllBe(e => e.GetProperty("api_key_id").GetString() == key.KeyId);
    }

    [Fact]
    public async Task Requests_of_no_organisation_are_not_logged()
    {
        await using var gateway = new GatewayFactory(Upstream);
        using var client = gateway.CreateClient();
        var (secret, key) = Upstream.AddKey();
        var marker = Ids.New("unlogged");

        (await client.GetAsync(new Uri($"/api/v1/invoices/{marker}", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await client.GetWithKeyAsync(StubUpstream.NewSecret(), $"/api/v1/invoices/{marker}")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await client.GetWithKeyAsync(secret, "/api/v1/invoices/after")).StatusCode.ShouldBe(HttpStatusCode.OK);

        // Entries are shipped in order: once the later one is in, the earlier ones would be too.
        await LoggedAsync(Upstream, e => e.GetProperty("organisation_id").GetString() == key.OrganisationId, Visible);
        Upstream.LoggedRequests.ShouldNotContain(e => e.GetProperty("path").GetString()!.Contains(marker, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_huge_path_and_user_agent_are_truncated_and_the_request_served()
    {
        await using var gateway = new GatewayFactory(Upstream);
        using var client = gateway.CreateClient();
        var (secret, key) = Upstream.AddKey();
        var path = "/api/v1/invoices/" + new string('p', 6_000);
        var userAgent = "agent/" + new string('u', 4_000);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.Add("X-API-Key", secret);
        request.Headers.TryAddWithoutValidation("User-Agent", userAgent);

        (await client.SendAsync(request)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var entry = await LoggedAsync(Upstream, e => e.GetProperty("organisation_id").GetString() == key.OrganisationId, Visible);
        entry.GetProperty("path").GetString().ShouldBe(path[..2_048]);
        entry.GetProperty("user_agent").GetString().ShouldBe(userAgent[..512]);
    }

    [Fact]
    public async Task A_full_queue_drops_and_counts_entries_and_every_request_still_succeeds()
    {
        await using var upstream = await StubUpstream.StartAsync();
        upstream.RefuseRequestLogWith = 503;
        await using var gateway = new GatewayFactory(upstream, settings: new Dictionary<string, string>
        {
            ["RequestLog:QueueCapacity"] = "5",
            ["RequestLog:BatchSize"] = "1",
            ["RequestLog:MaxAttempts"] = "2",
            // The shipper waits this long before its retry: the queue behind it can only fill.
            ["RequestLog:RetryDelay"] = "01:00:00",
        });
        using var client = gateway.CreateClient();
        using var dropped = new DroppedEntries(gateway.Services);
        var (secret, _) = upstream.AddKey(plan: "enterprise");

        (await client.GetWithKeyAsync(secret)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await Eventually.HoldsAsync(() => upstream.RequestLogBatches == 1, Deadline)).ShouldBeTrue();
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.GetWithKeyAsync(secret)));

        responses.ShouldAllBe(r => r.StatusCode == HttpStatusCode.OK);
        // An entry is recorded as its response completes, which the client may see a moment earlier.
        (await Eventually.HoldsAsync(() => dropped.QueueFull == 15, Deadline)).ShouldBeTrue($"dropped {dropped.QueueFull}");
        dropped.Undeliverable.ShouldBe(0);
    }

    [Fact]
    public async Task Batches_auth_refuses_are_retried_with_backoff_then_dropped_and_counted_while_requests_succeed()
    {
        await using var upstream = await StubUpstream.StartAsync();
        upstream.RefuseRequestLogWith = 500;
        await using var gateway = new GatewayFactory(upstream, settings: new Dictionary<string, string>
        {
            ["RequestLog:MaxAttempts"] = "3",
            ["RequestLog:RetryDelay"] = "00:00:00.050",
            ["RequestLog:FlushInterval"] = "00:00:00.050",
        });
        using var client = gateway.CreateClient();
        using var dropped = new DroppedEntries(gateway.Services);
        var (secret, key) = upstream.AddKey();

        (await client.GetWithKeyAsync(secret, "/api/v1/invoices/refused")).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await Eventually.HoldsAsync(() => dropped.Undeliverable == 1, Deadline)).ShouldBeTrue();
        upstream.RequestLogBatches.ShouldBe(3);
        dropped.QueueFull.ShouldBe(0);

        // Auth takes batches again: the log carries on with what comes next, the dropped batch stays dropped.
        upstream.RefuseRequestLogWith = 0;
        (await client.GetWithKeyAsync(secret, "/api/v1/invoices/accepted")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var entry = await LoggedAsync(upstream, e => e.GetProperty("organisation_id").GetString() == key.OrganisationId, Visible);
        entry.GetProperty("path").GetString().ShouldBe("/api/v1/invoices/accepted");
        upstream.LoggedRequests.Count.ShouldBe(1);
    }

    private static List<JsonElement> Of(StubUpstream upstream, string organisationId) =>
        [.. upstream.LoggedRequests.Where(e => e.GetProperty("organisation_id").GetString() == organisationId)];

    private static async Task<JsonElement> LoggedAsync(StubUpstream upstream, Func<JsonElement, bool> match, TimeSpan within)
    {
        JsonElement found = default;
        var arrived = await Eventually.HoldsAsync(
            () =>
            {
                var entry = upstream.LoggedRequests.FirstOrDefault(match);
                found = entry;
                return entry.ValueKind != JsonValueKind.Undefined;
            },
            within);
        arrived.ShouldBeTrue("the entry did not reach auth in time");
        return found;
    }
}
