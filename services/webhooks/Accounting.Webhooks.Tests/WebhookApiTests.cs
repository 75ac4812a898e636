using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapper;
using Npgsql;

namespace Accounting.Webhooks.Tests;

public sealed class WebhookApiTests(WebhooksFactory factory) : IClassFixture<WebhooksFactory>
{
    private const string Url = "http://127.0.0.1:9/hooks";

    [Fact]
    public async Task A_new_endpoint_shows_its_secret_once_and_never_again()
    {
        using var client = factory.ClientFor(WebhooksTestActions.NewOrganisation());

        var response = await client.PostAsJsonAsync("/api/v1/webhooks", new { url = Url, events = new[] { "api_key.revoked", "api_key.created", "api_key.created" }, description = " Sync " });

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        var id = created.GetProperty("id").GetString()!;
        var secret = created.GetProperty("secret").GetString()!;
        id.ShouldStartWith("whk_");
        secret.ShouldMatch("^whsec_[A-Za-z0-9+/]{32}$");
        response.Headers.Location!.ToString().ShouldBe($"/api/v1/webhooks/{id}");
        created.GetProperty("events").EnumerateArray().Select(e => e.GetString()).ShouldBe(["api_key.created", "api_key.revoked"]);
        created.GetProperty("description").GetString().ShouldBe("Sync");
        created.GetProperty("enabled").GetBoolean().ShouldBeTrue();

        var fetched = await client.GetStringAsync($"/api/v1/webhooks/{id}");
        var listed = await client.GetStringAsync("/api/v1/webhooks");
        fetched.ShouldNotContain(secret);
        listed.ShouldNotContain(secret);
        JsonDocument.Parse(fetched).RootElement.TryGetProperty("secret", out _).ShouldBeFalse();
        var page = JsonDocument.Parse(listed).RootElement;
        page.GetProperty("data")[0].GetProperty("id").GetString().ShouldBe(id);
        page.GetProperty("pagination").GetProperty("total").GetInt64().ShouldBe(1);
        page.GetProperty("pagination").GetProperty("has_more").GetBoolean().ShouldBeFalse();
    }

    [Fact]
    public async Task Secrets_are_stored_sealed_so_the_database_alone_cannot_sign()
    {
        using var client = factory.ClientFor(WebhooksTestActions.NewOrganisation());
        var created = await (await client.PostAsJsonAsync("/api/v1/webhooks", new { url = Url, events = new[] { "*" } })).Content.ReadFromJsonAsync<JsonElement>();
        var id = created.GetProperty("id").GetString()!;
        var rotated = await (await client.PostAsync($"/api/v1/webhooks/{id}/rotate-secret", null)).Content.ReadFromJsonAsync<JsonElement>();

        await using var connection = new NpgsqlConnection(factory.Database.ConnectionString);
        var row = await connection.QuerySingleAsync<(string? Secret, string? PreviousSecret, byte[] SealedSecret, byte[] SealedPreviousSecret)>(
            "SELECT secret, previous_secret, sealed_secret, sealed_previous_secret FROM webhook_endpoints WHERE id = @id", new { id });

        row.Secret.ShouldBeNull();
        row.PreviousSecret.ShouldBeNull();
        var stored = Encoding.UTF8.GetString([.. row.SealedSecret, .. row.SealedPreviousSecret]);
        foreach (var secret in new[] { created.GetProperty("secret").GetString()!, rotated.GetProperty("secret").GetString()! })
        {
            stored.ShouldNotContain(secret);
            stored.ShouldNotContain(secret["whsec_".Length..]);
        }
    }

    [Fact]
    public async Task Invalid_urls_unknown_events_and_long_descriptions_are_a_422_naming_each_field()
    {
        using var client = factory.ClientFor(WebhooksTestActions.NewOrganisation());

        var response = await client.PostAsJsonAsync("/api/v1/webhooks", new { url = "ftp://example.com/x", events = new[] { "invoice.exploded", "api_key.created" }, description = new string('d', 501) });

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        error.GetProperty("code").GetString().ShouldBe("validation_failed");
        var fields = error.GetProperty("errors").EnumerateArray().ToDictionary(e => e.GetProperty("field").GetString()!, e => e.GetProperty("message").GetString()!);
        fields.Keys.ShouldBe(["url", "events[0]", "description"], ignoreOrder: true);
        fields["events[0]"].ShouldContain("invoice.exploded");
    }

    [Theory]
    [InlineData("""{"url": "not a url", "events": ["*"]}""", "url")]
    [InlineData("""{"url": "http://user:pw@127.0.0.1/x", "events": ["*"]}""", "url")]
    [InlineData("""{"events": ["*"]}""", "url")]
    [InlineData("""{"url": "http://127.0.0.1/x", "events": []}""", "events")]
    [InlineData("""{"url": "http://127.0.0.1/x"}""", "events")]
    [InlineData("""{"url": "http://127.0.0.1/x", "events": [null]}""", "events[0]")]
    public async Task Missing_or_malformed_fields_are_a_422(string body, string field)
    {
        using var client = factory.ClientFor(WebhooksTestActions.NewOrganisation());

        var response = await client.PostAsync("/api/v1/webhooks", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("errors");
        errors.EnumerateArray().Select(e => e.GetProperty("field").GetString()).ShouldContain(field);
    }

    [Theory]
    [InlineData("""{"url": """)]
    [InlineData("""{"url": "http://127.0.0.1/x", "events": ["*"], "description": 5}""")]
    public async Task Malformed_json_or_wrong_types_are_a_400_in_the_envelope(string body)
    {
        using var client = factory.ClientFor(WebhooksTestActions.NewOrganisation());

        var response = await client.PostAsync("/api/v1/webhooks", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString().ShouldBe("bad_request");
    }

    [Fact]
    public async Task An_organisation_cannot_have_more_endpoints_than_configured()
    {
        using var client = factory.ClientFor(WebhooksTestActions.NewOrganisation());

        var responses = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => client.PostAsJsonAsync("/api/v1/webhooks", new { url = Url, events = new[] { "*" } })));

        responses.Count(r => r.StatusCode == HttpStatusCode.Created).ShouldBe(20);
        var refused = responses.Where(r => r.StatusCode != HttpStatusCode.Created).ToList();
        refused.ShouldAllBe(r => r.StatusCode == HttpStatusCode.Conflict);
        (await refused[0].Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString().ShouldBe("endpoint_limit_reached");
    }

    [Fact]
    public async Task Concurrent_creations_with_one_idempotency_key_make_one_endpoint_and_replay_its_secret()
    {
        using var client = factory.ClientFor(WebhooksTestActions.NewOrganisation());
        var key = Guid.NewGuid().ToString();

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/webhooks") { Content = JsonContent.Create(new { url = Url, events = new[] { "*" } }) };
            request.Headers.Add("Idempotency-Key", key);
            return client.SendAsync(request);
        }));
        var replay = new HttpRequestMessage(HttpMethod.Post, "/api/v1/webhooks") { Content = JsonContent.Create(new { url = Url, events = new[] { "*" } }) };
        replay.Headers.Add("Idempotency-Key", key);
        var replayed = await client.SendAsync(replay);

        var created = responses.Where(r => r.StatusCode == HttpStatusCode.Created).ToList();
        created.Count.ShouldBeGreaterThanOrEqualTo(1);
        responses.Except(created).ShouldAllBe(r => r.StatusCode == HttpStatusCode.Conflict);
        replayed.StatusCode.ShouldBe(HttpStatusCode.Created);
        replayed.Headers.GetValues("Idempotent-Replayed").Single().ShouldBe("true");
        var original = await created.First(r => !r.Headers.Contains("Idempotent-Replayed")).Content.ReadFromJsonAsync<JsonElement>();
        var again = await replayed.Content.ReadFromJsonAsync<JsonElement>();
        again.GetProperty("secret").GetString().ShouldBe(original.GetProperty("secret").GetString());
        (await client.GetJsonAsync("/api/v1/webhooks")).GetProperty("pagination").GetProperty("total").GetInt64().ShouldBe(1);
    }

    [Fact]
    public async Task Patch_changes_only_the_fields_sent_and_disabling_records_why()
    {
        using var client = factory.ClientFor(WebhooksTestActions.NewOrganisation());
        var (id, _) = await client.SubscribeAsync(Url, "api_key.created");

        var response = await client.PatchAsJsonAsync($"/api/v1/webhooks/{id}", new { events = new[] { "*", "api_key.revoked" }, enabled = false });

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var updated = await response.Content.ReadFromJsonAsync<JsonElement>();
        updated.GetProperty("events").EnumerateArray().Select(e => e.GetString()).ShouldBe(["*"]);
        updated.GetProperty("url").GetString().ShouldBe(Url);
        updated.GetProperty("enabled").GetBoolean().ShouldBeFalse();
        updated.GetProperty("disabled_reason").GetString().ShouldNotBeNullOrEmpty();

        var enabled = await (await client.PatchAsJsonAsync($"/api/v1/webhooks/{id}", new { enabled = true, description = "Ledger sync" })).Content.ReadFromJsonAsync<JsonElement>();
        enabled.GetProperty("enabled").GetBoolean().ShouldBeTrue();
        enabled.GetProperty("disabled_reason").ValueKind.ShouldBe(JsonValueKind.Null);
        enabled.GetProperty("description").GetString().ShouldBe("Ledger sync");

        var invalid = await client.PatchAsJsonAsync($"/api/v1/webhooks/{id}", new { url = "gopher://x", events = new[] { "nope" } });
        invalid.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task Deleting_removes_the_endpoint()
    {
        using var client = factory.ClientFor(WebhooksTestActions.NewOrganisation());
        var (id, _) = await client.SubscribeAsync(Url);

        (await client.DeleteAsync($"/api/v1/webhooks/{id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        (await client.GetAsync($"/api/v1/webhooks/{id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await client.DeleteAsync($"/api/v1/webhooks/{id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Another_organisations_endpoints_and_deliveries_are_404_everywhere()
    {
        using var owner = factory.ClientFor(WebhooksTestActions.NewOrganisation());
        using var stranger = factory.ClientFor(WebhooksTestActions.NewOrganisation());
        var (id, _) = await owner.SubscribeAsync(Url);
        var ping = await (await owner.PostAsync($"/api/v1/webhooks/{id}/test", null)).Content.ReadFromJsonAsync<JsonElement>();
        var deliveryId = ping.GetProperty("id").GetString()!;

        HttpResponseMessage[] responses =
        [
            await stranger.GetAsync($"/api/v1/webhooks/{id}"),
            await stranger.PatchAsJsonAsync($"/api/v1/webhooks/{id}", new { enabled = false }),
            await stranger.PostAsync($"/api/v1/webhooks/{id}/rotate-secret", null),
            await stranger.PostAsync($"/api/v1/webhooks/{id}/test", null),
            await stranger.GetAsync($"/api/v1/webhooks/{id}/deliveries"),
            await stranger.GetAsync($"/api/v1/webhooks/{id}/deliveries/{deliveryId}"),
            await stranger.PostAsync($"/api/v1/webhooks/{id}/deliveries/{deliveryId}/retry", null),
            await stranger.DeleteAsync($"/api/v1/webhooks/{id}"),
        ];

        foreach (var response in responses)
        {
            response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
            (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString().ShouldBe("not_found");
        }

        (await stranger.GetJsonAsync("/api/v1/webhooks")).GetProperty("data").GetArrayLength().ShouldBe(0);
        (await owner.GetJsonAsync($"/api/v1/webhooks/{id}")).GetProperty("enabled").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public async Task Reading_needs_webhooks_read_and_changing_needs_webhooks_write()
    {
        var organisation = WebhooksTestActions.NewOrganisation();
        using var reader = factory.ClientFor(organisation, "webhooks:read");
        using var outsider = factory.ClientFor(organisation, "invoices:write");

        var create = await reader.PostAsJsonAsync("/api/v1/webhooks", new { url = Url, events = new[] { "*" } });
        var list = await outsider.GetAsync("/api/v1/webhooks");

        create.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await create.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString().ShouldBe("insufficient_scope");
        list.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await reader.GetAsync("/api/v1/webhooks")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Delivery_lists_refuse_unknown_statuses_and_oversized_pages()
    {
        using var client = factory.ClientFor(WebhooksTestActions.NewOrganisation());
        var (id, _) = await client.SubscribeAsync(Url);

        var badStatus = await client.GetAsync($"/api/v1/webhooks/{id}/deliveries?status=lost");
        var badLimit = await client.GetAsync($"/api/v1/webhooks/{id}/deliveries?limit=101");

        badStatus.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        badLimit.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await client.GetAsync($"/api/v1/webhooks/{id}/deliveries?status=failed")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
