using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Accounting.Testing;
using Accounting.Webhooks.Dispatch;
using Dapper;
using MassTransit;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Response = WireMock.ResponseBuilders.Response;

namespace Accounting.Webhooks.Tests;

public sealed class DispatchTests(WebhooksFactory factory) : IClassFixture<WebhooksFactory>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task An_event_arrives_once_with_the_contract_body_and_verifiable_signatures()
    {
        await using var receiver = await StubReceiver.StartAsync();
        var organisation = WebhooksTestActions.NewOrganisation();
        using var client = factory.ClientFor(organisation);
        var (webhookId, secret) = await client.SubscribeAsync(receiver.Url, "api_key.created");
        var created = WebhooksTestActions.KeyCreated(organisation);

        await factory.PublishAsync(created);

        (await Eventually.HoldsAsync(() => receiver.Received.Count > 0, Deadline)).ShouldBeTrue();
        var webhook = receiver.Received.Single();
        var eventId = "evt_" + created.EventId.ToString("N");
        webhook.WebhookId.ShouldBe(eventId);
        Receivers.Verifies(webhook, secret).ShouldBeTrue();
        Receivers.BodySignatureVerifies(webhook, secret).ShouldBeTrue();
        webhook.ContentType.ShouldStartWith("application/json");
        ((double)long.Parse(webhook.Timestamp, System.Globalization.CultureInfo.InvariantCulture)).ShouldBe(factory.Clock.GetUtcNow().ToUnixTimeSeconds(), 5);
        var body = JsonDocument.Parse(webhook.Body).RootElement;
        body.EnumerateObject().Select(p => p.Name).ShouldBe(["id", "event", "timestamp", "organisation_id", "data"]);
        body.GetProperty("id").GetString().ShouldBe(eventId);
        body.GetProperty("event").GetString().ShouldBe("api_key.created");
        body.GetProperty("timestamp").GetString().ShouldBe(created.OccurredAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
        body.GetProperty("organisation_id").GetString().ShouldBe(organisation);
        var data = body.GetProperty("data");
        data.EnumerateObject().Select(p => p.Name).ShouldBe(["key_id", "name", "mode", "scopes", "created_by"], ignoreOrder: true);
        data.GetProperty("key_id").GetString().ShouldBe(created.KeyId);

        (await Eventually.HoldsAsync(() => client.SettledAsync(webhookId, "succeeded"), Deadline)).ShouldBeTrue();
        var delivery = (await client.DeliveriesAsync(webhookId)).Single();
        delivery.GetProperty("id").GetString()!.ShouldStartWith("dlv_");
        delivery.GetProperty("event_id").GetString().ShouldBe(eventId);
        delivery.GetProperty("event").GetString().ShouldBe("api_key.created");
        delivery.GetProperty("attempts").GetInt32().ShouldBe(1);
        delivery.GetProperty("response_status").GetInt32().ShouldBe(200);
        delivery.GetProperty("next_attempt_at").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task Events_reach_only_their_own_organisations_subscribed_endpoints()
    {
        await using var ownReceiver = await StubReceiver.StartAsync();
        await using var otherOrganisationsReceiver = await StubReceiver.StartAsync();
        await using var otherEventsReceiver = await StubReceiver.StartAsync();
        var organisation = WebhooksTestActions.NewOrganisation();
        using var client = factory.ClientFor(organisation);
        using var otherClient = factory.ClientFor(WebhooksTestActions.NewOrganisation());
        await client.SubscribeAsync(ownReceiver.Url, "*");
        await client.SubscribeAsync(otherEventsReceiver.Url, "api_key.revoked");
        await otherClient.SubscribeAsync(otherOrganisationsReceiver.Url, "*");
        var events = Enumerable.Range(0, 5).Select(_ => WebhooksTestActions.KeyCreated(organisation)).ToArray();

        await factory.PublishAsync(events);
        // Published after the others: once it has arrived, every earlier event has been handled.
        await factory.PublishAsync(WebhooksTestActions.KeyCreated(organisation));

        (await Eventually.HoldsAsync(() => ownReceiver.Received.Count == 6, Deadline)).ShouldBeTrue();
        otherOrganisationsReceiver.Received.ShouldBeEmpty();
        otherEventsReceiver.Received.ShouldBeEmpty();
        ownReceiver.Received.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("organisation_id").GetString()).ShouldAllBe(o => o == organisation);
    }

    [Fact]
    public async Task An_event_redelivered_by_the_broker_is_delivered_once()
    {
        await using var receiver = await StubReceiver.StartAsync();
        var organisation = WebhooksTestActions.NewOrganisation();
        using var client = factory.ClientFor(organisation);
        var (webhookId, _) = await client.SubscribeAsync(receiver.Url);
        var created = WebhooksTestActions.KeyCreated(organisation);
        var later = WebhooksTestActions.KeyCreated(organisation);

        await factory.PublishAsync(created);
        // The broker hands the same event over again, as it does after a lost acknowledgement.
        await factory.Services.GetRequiredService<IBus>().Publish(created);
        await factory.PublishAsync(later);

        (await Eventually.HoldsAsync(() => receiver.Received.Any(r => r.WebhookId == "evt_" + later.EventId.ToString("N")), Deadline)).ShouldBeTrue();
        receiver.Received.Count(r => r.WebhookId == "evt_" + created.EventId.ToString("N")).ShouldBe(1);
        (await client.DeliveriesAsync(webhookId)).Count.ShouldBe(2);
    }

    [Fact]
    public async Task A_receiver_failing_three_times_gets_the_event_on_the_fourth_attempt_with_the_same_id()
    {
        await using var receiver = await StubReceiver.StartAsync();
        receiver.FailsFirst(3, StatusCodes.Status503ServiceUnavailable, thenStatus: StatusCodes.Status204NoContent);
        var organisation = WebhooksTestActions.NewOrganisation();
        using var client = factory.ClientFor(organisation);
        var (webhookId, secret) = await client.SubscribeAsync(receiver.Url);

        await factory.PublishAsync(WebhooksTestActions.KeyCreated(organisation));

        for (var attempt = 1; attempt <= 3; attempt++)
        {
            (await Eventually.HoldsAsync(() => client.AttemptedAsync(webhookId, attempt), Deadline)).ShouldBeTrue();
            var pending = (await client.DeliveriesAsync(webhookId)).Single();
            pending.GetProperty("status").GetString().ShouldBe("pending");
            pending.GetProperty("response_status").GetInt32().ShouldBe(503);
            var wait = pending.GetProperty("next_attempt_at").GetDateTimeOffset() - factory.Clock.GetUtcNow();
            wait.ShouldBeGreaterThan(TimeSpan.Zero);
            receiver.Received.Count.ShouldBe(attempt);
            factory.Clock.Advance(wait + TimeSpan.FromSeconds(1));
        }

        (await Eventually.HoldsAsync(() => client.SettledAsync(webhookId, "succeeded"), Deadline)).ShouldBeTrue();
        receiver.Received.Count.ShouldBe(4);
        receiver.Received.Select(r => r.WebhookId).Distinct().Count().ShouldBe(1);
        receiver.Received.Select(r => r.Body).Distinct().Count().ShouldBe(1);
        receiver.Received.ShouldAllBe(r => Receivers.Verifies(r, secret));

        var deliveryId = (await client.DeliveriesAsync(webhookId)).Single().GetProperty("id").GetString();
        var detail = await client.GetJsonAsync($"/api/v1/webhooks/{webhookId}/deliveries/{deliveryId}");
        detail.GetProperty("attempts").GetInt32().ShouldBe(4);
        detail.GetProperty("attempt_history").EnumerateArray().Select(a => a.GetProperty("response_status").GetInt32()).ShouldBe([503, 503, 503, 204]);
    }

    [Theory]
    [InlineData(302)]
    [InlineData(500)]
    public async Task Redirects_and_server_errors_with_huge_bodies_are_recorded_as_failed_attempts(int status)
    {
        await using var elsewhere = await StubReceiver.StartAsync();
        await using var receiver = await StubReceiver.StartAsync();
        var huge = new string('x', 1024 * 1024);
        receiver.Answers(Response.Create().WithStatusCode(status).WithHeader("Location", elsewhere.Url).WithBody(huge));
        var organisation = WebhooksTestActions.NewOrganisation();
        using var client = factory.ClientFor(organisation);
        var (webhookId, _) = await client.SubscribeAsync(receiver.Url);

        await factory.PublishAsync(WebhooksTestActions.KeyCreated(organisation));

        (await Eventually.HoldsAsync(() => client.AttemptedAsync(webhookId, 1), Deadline)).ShouldBeTrue();
        var delivery = (await client.DeliveriesAsync(webhookId)).Single();
        delivery.GetProperty("status").GetString().ShouldBe("pending");
        delivery.GetProperty("response_status").GetInt32().ShouldBe(status);
        var detail = await client.GetJsonAsync($"/api/v1/webhooks/{webhookId}/deliveries/{delivery.GetProperty("id").GetString()}");
        var attempt = detail.GetProperty("attempt_history").EnumerateArray().Single();
        attempt.GetProperty("response_body").GetString()!.Length.ShouldBe(4096);
        elsewhere.Received.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_2xx_whose_body_holds_nul_bytes_and_invalid_utf8_succeeds_in_one_attempt_with_a_readable_excerpt()
    {
        await using var receiver = await StubReceiver.StartAsync();
        // PostgreSQL text refuses 0x00; C3 28 is a broken two-byte sequence and FF is never UTF-8.
        byte[] hostile = [.. "ok"u8, 0x00, 0xC3, 0x28, 0xFF, .. "end"u8];
        receiver.Answers(Response.Create().WithBody(hostile));
        var organisation = WebhooksTestActions.NewOrganisation();
        using var client = factory.ClientFor(organisation);
        var (webhookId, _) = await client.SubscribeAsync(receiver.Url);

        await factory.PublishAsync(WebhooksTestActions.KeyCreated(organisation));

        (await Eventually.HoldsAsync(() => client.SettledAsync(webhookId, "succeeded"), Deadline)).ShouldBeTrue();
        var attempt = await OnlyAttemptAsync(client, webhookId);
        attempt.GetProperty("response_status").GetInt32().ShouldBe(200);
        attempt.GetProperty("response_body").GetString().ShouldBe("ok\uFFFD\uFFFD(\uFFFDend");
        receiver.Received.Count.ShouldBe(1);
    }

    [Fact]
    public async Task An_attempt_whose_response_the_database_refuses_still_counts_and_settles()
    {
        await using var receiver = await StubReceiver.StartAsync();
        receiver.Answers(Response.Create().WithBody("accepted"));
        var organisation = WebhooksTestActions.NewOrganisation();
        using var client = factory.ClientFor(organisation);
        var (webhookId, _) = await client.SubscribeAsync(receiver.Url);
        await using (var connection = new NpgsqlConnection(factory.Database.ConnectionString))
        {
            // Stands in for any excerpt the database cannot take: it refuses this endpoint's response bodies.
            var name = "refuse_excerpts_" + webhookId;
            await connection.ExecuteAsync(
                $$"""
                CREATE FUNCTION {{name}}() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF NEW.response_body IS NOT NULL AND EXISTS (
                        SELECT 1 FROM webhook_deliveries WHERE id = NEW.delivery_id AND endpoint_id = '{{webhookId}}') THEN
                        RAISE EXCEPTION 'response body refused';
                    END IF;
                    RETURN NEW;
                END $$;
                CREATE TRIGGER {{name}} BEFORE INSERT ON webhook_attempts FOR EACH ROW EXECUTE FUNCTION {{name}}();
                """);
        }

        await factory.PublishAsync(WebhooksTestActions.KeyCreated(organisation));

        (await Eventually.HoldsAsync(() => client.SettledAsync(webhookId, "succeeded"), Deadline)).ShouldBeTrue();
        var attempt = await OnlyAttemptAsync(client, webhookId);
        attempt.GetProperty("response_status").GetInt32().ShouldBe(200);
        attempt.GetProperty("response_body").ValueKind.ShouldBe(JsonValueKind.Null);
        attempt.GetProperty("error").GetString()!.ShouldContain("could not be stored");
        receiver.Received.Count.ShouldBe(1);
    }

    [Fact]
    public async Task A_hanging_endpoint_does_not_delay_another_endpoints_deliveries()
    {
        // Held until the healthy endpoint has everything: no timing, the hanging requests simply never end before.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new Lock();
        var held = 0;
        var mostHeld = 0;
        await using var hanging = await StubReceiver.StartAsync();
        await using var healthy = await StubReceiver.StartAsync();
        hanging.Holds(async () =>
        {
            lock (gate)
            {
                mostHeld = Math.Max(mostHeld, ++held);
            }

            try
            {
                await release.Task;
            }
            finally
            {
                lock (gate)
                {
                    held--;
                }
            }
        });
        var organisation = WebhooksTestActions.NewOrganisation();
        using var client = factory.ClientFor(organisation);
        await client.SubscribeAsync(hanging.Url);
        await client.SubscribeAsync(healthy.Url);
        var events = Enumerable.Range(0, 40).Select(_ => WebhooksTestActions.KeyCreated(organisation)).ToArray();
        var perEndpoint = factory.Services.GetRequiredService<IOptions<WebhooksOptions>>().Value.MaxConcurrentAttemptsPerEndpoint;

        try
        {
            await factory.PublishAsync(events);

            (await Eventually.HoldsAsync(() => healthy.Received.Count == events.Length && Held() > 0, Deadline)).ShouldBeTrue();
            lock (gate)
            {
                mostHeld.ShouldBeLessThanOrEqualTo(perEndpoint);
            }
        }
        finally
        {
            release.SetResult();
        }

        int Held()
        {
            lock (gate)
            {
                return held;
            }
        }
    }

    [Fact]
    public async Task An_attempt_claimed_by_a_dispatcher_that_crashed_is_retaken_when_its_lease_runs_out()
    {
        await using var receiver = await StubReceiver.StartAsync();
        var organisation = WebhooksTestActions.NewOrganisation();
        using var client = factory.ClientFor(organisation);
        var (webhookId, _) = await client.SubscribeAsync(receiver.Url);
        var now = factory.Clock.GetUtcNow();
        const string Orphaned = "evt_orphaned";
        await using (var connection = new NpgsqlConnection(factory.Database.ConnectionString))
        {
            // Left behind by a dispatcher that claimed the attempt and died before recording it.
            await connection.ExecuteAsync(
                """
                INSERT INTO webhook_deliveries (id, organisation_id, endpoint_id, event_id, event, payload, status, next_attempt_at, lease_id, leased_until, created_at)
                VALUES ('dlv_orphaned', @Organisation, @WebhookId, @EventId, 'ping', @Payload, 'pending', @Now, gen_random_uuid(), @LeasedUntil, @Now)
                """,
                new { Organisation = organisation, WebhookId = webhookId, EventId = Orphaned, Payload = WebhookPayload.Ping(Orphaned, webhookId, now, organisation), Now = now, LeasedUntil = now.AddMinutes(2) });
        }

        var later = WebhooksTestActions.KeyCreated(organisation);
        await factory.PublishAsync(later);
        (await Eventually.HoldsAsync(() => receiver.Received.Any(r => r.WebhookId == WebhookPayload.EventIdOf(later)), Deadline)).ShouldBeTrue();
        receiver.Received.ShouldNotContain(r => r.WebhookId == Orphaned);

        factory.Clock.Advance(TimeSpan.FromMinutes(3));

        (await Eventually.HoldsAsync(() => receiver.Received.Any(r => r.WebhookId == Orphaned), Deadline)).ShouldBeTrue();
        (await Eventually.HoldsAsync(async () => (await client.GetJsonAsync($"/api/v1/webhooks/{webhookId}/deliveries/dlv_orphaned")).GetProperty("status").GetString() == "succeeded", Deadline)).ShouldBeTrue();
        receiver.Received.Count(r => r.WebhookId == Orphaned).ShouldBe(1);
    }

    [Fact]
    public async Task After_a_rotation_deliveries_carry_both_signatures_for_24_hours()
    {
        await using var receiver = await StubReceiver.StartAsync();
        using var client = factory.ClientFor(WebhooksTestActions.NewOrganisation());
        var (webhookId, oldSecret) = await client.SubscribeAsync(receiver.Url);

        var rotated = await client.PostAsync($"/api/v1/webhooks/{webhookId}/rotate-secret", null);
        rotated.StatusCode.ShouldBe(HttpStatusCode.OK);
        var newSecret = (await rotated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!;
        newSecret.ShouldNotBe(oldSecret);
        (await client.PostAsync($"/api/v1/webhooks/{webhookId}/test", null)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await Eventually.HoldsAsync(() => receiver.Received.Count == 1, Deadline)).ShouldBeTrue();

        var duringOverlap = receiver.Received.Single();
        Receivers.SignaturesOf(duringOverlap).Count.ShouldBe(2);
        Receivers.Verifies(duringOverlap, newSecret).ShouldBeTrue();
        Receivers.Verifies(duringOverlap, oldSecret).ShouldBeTrue();
        Receivers.BodySignatureVerifies(duringOverlap, newSecret).ShouldBeTrue();

        factory.Clock.Advance(TimeSpan.FromHours(24) + TimeSpan.FromSeconds(1));
        await client.PostAsync($"/api/v1/webhooks/{webhookId}/test", null);
        (await Eventually.HoldsAsync(() => receiver.Received.Count == 2, Deadline)).ShouldBeTrue();

        var afterOverlap = receiver.Received[^1];
        Receivers.SignaturesOf(afterOverlap).Count.ShouldBe(1);
        Receivers.Verifies(afterOverlap, newSecret).ShouldBeTrue();
        Receivers.Verifies(afterOverlap, oldSecret).ShouldBeFalse();
    }

    [Fact]
    public async Task Test_sends_a_ping_and_a_failed_delivery_can_be_retried_by_hand()
    {
        await using var receiver = await StubReceiver.StartAsync();
        receiver.FailsFirst(1, StatusCodes.Status500InternalServerError);
        var organisation = WebhooksTestActions.NewOrganisation();
        using var client = factory.ClientFor(organisation);
        var (webhookId, _) = await client.SubscribeAsync(receiver.Url, "api_key.created");

        var response = await client.PostAsync($"/api/v1/webhooks/{webhookId}/test", null);

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var ping = await response.Content.ReadFromJsonAsync<JsonElement>();
        ping.GetProperty("event").GetString().ShouldBe("ping");
        ping.GetProperty("status").GetString().ShouldBe("pending");
        var deliveryId = ping.GetProperty("id").GetString()!;
        (await Eventually.HoldsAsync(async () => (await client.GetJsonAsync($"/api/v1/webhooks/{webhookId}/deliveries/{deliveryId}")).GetProperty("attempts").GetInt32() == 1, Deadline)).ShouldBeTrue();
        var body = JsonDocument.Parse(receiver.Received.Single().Body).RootElement;
        body.GetProperty("event").GetString().ShouldBe("ping");
        body.GetProperty("organisation_id").GetString().ShouldBe(organisation);
        body.GetProperty("data").GetProperty("webhook_id").GetString().ShouldBe(webhookId);

        var retry = await client.PostAsync($"/api/v1/webhooks/{webhookId}/deliveries/{deliveryId}/retry", null);

        retry.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await Eventually.HoldsAsync(async () => (await client.GetJsonAsync($"/api/v1/webhooks/{webhookId}/deliveries/{deliveryId}")).GetProperty("status").GetString() == "succeeded", Deadline)).ShouldBeTrue();
        receiver.Received.Count.ShouldBe(2);
        receiver.Received.Select(r => r.WebhookId).Distinct().Count().ShouldBe(1);
    }

    [Fact]
    public async Task An_endpoint_failing_for_five_days_is_disabled_with_the_reason()
    {
        await using var receiver = await StubReceiver.StartAsync();
        receiver.Answers(StatusCodes.Status500InternalServerError);
        var organisation = WebhooksTestActions.NewOrganisation();
        using var client = factory.ClientFor(organisation);
        var (webhookId, _) = await client.SubscribeAsync(receiver.Url);

        // A failed ping every 12 hours: still enabled after four and a half days of failures.
        for (var step = 0; step < 10; step++)
        {
            var ping = await (await client.PostAsync($"/api/v1/webhooks/{webhookId}/test", null)).Content.ReadFromJsonAsync<JsonElement>();
            var deliveryId = ping.GetProperty("id").GetString();
            (await Eventually.HoldsAsync(async () => (await client.GetJsonAsync($"/api/v1/webhooks/{webhookId}/deliveries/{deliveryId}")).GetProperty("attempts").GetInt32() >= 1, Deadline)).ShouldBeTrue();
            (await client.GetJsonAsync($"/api/v1/webhooks/{webhookId}")).GetProperty("enabled").GetBoolean().ShouldBeTrue();
            factory.Clock.Advance(TimeSpan.FromHours(12));
        }

        // Five days after the first failure, the next failed attempt (a due retry or this ping) disables it.
        await client.PostAsync($"/api/v1/webhooks/{webhookId}/test", null);
        (await Eventually.HoldsAsync(async () => !(await client.GetJsonAsync($"/api/v1/webhooks/{webhookId}")).GetProperty("enabled").GetBoolean(), Deadline)).ShouldBeTrue();
        var endpoint = await client.GetJsonAsync($"/api/v1/webhooks/{webhookId}");
        endpoint.GetProperty("disabled_reason").GetString()!.ShouldContain("HTTP 500");
        (await client.PostAsync($"/api/v1/webhooks/{webhookId}/test", null)).StatusCode.ShouldBe(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Settled_deliveries_are_deleted_after_their_retention_and_pending_ones_are_kept()
    {
        await using var healthy = await StubReceiver.StartAsync();
        await using var failing = await StubReceiver.StartAsync();
        failing.Answers(StatusCodes.Status503ServiceUnavailable);
        var organisation = WebhooksTestActions.NewOrganisation();
        using var client = factory.ClientFor(organisation);
        var (settledId, _) = await client.SubscribeAsync(healthy.Url);
        var (pendingId, _) = await client.SubscribeAsync(failing.Url);
        await factory.PublishAsync(WebhooksTestActions.KeyCreated(organisation));
        (await Eventually.HoldsAsync(() => client.SettledAsync(settledId, "succeeded"), Deadline)).ShouldBeTrue();
        (await Eventually.HoldsAsync(() => client.AttemptedAsync(pendingId, 1), Deadline)).ShouldBeTrue();
        // Disabled, the failing endpoint's delivery stays pending: no dispatcher claims it while the clock moves.
        (await client.PatchAsJsonAsync($"/api/v1/webhooks/{pendingId}", new { enabled = false })).EnsureSuccessStatusCode();
        var retention = factory.Services.GetRequiredService<DeliveryRetention>();

        await retention.DeleteExpiredAsync(CancellationToken.None);
        var keptWhileRecent = (await client.DeliveriesAsync(settledId)).Count;
        factory.Clock.Advance(TimeSpan.FromDays(31));
        await retention.DeleteExpiredAsync(CancellationToken.None);

        keptWhileRecent.ShouldBe(1);
        (await client.DeliveriesAsync(settledId)).ShouldBeEmpty();
        (await client.DeliveriesAsync(pendingId)).Single().GetProperty("status").GetString().ShouldBe("pending");
    }

    [Fact]
    public async Task A_plaintext_secret_written_by_a_replica_from_before_sealing_still_signs_its_deliveries()
    {
        await using var receiver = await StubReceiver.StartAsync();
        var organisation = WebhooksTestActions.NewOrganisation();
        _ = factory.Services;
        const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        var webhookId = "whk_rolling" + Guid.NewGuid().ToString("N")[..8];
        await using (var connection = new NpgsqlConnection(factory.Database.ConnectionString))
        {
            // What an older replica writes during a rolling update: the secret in plaintext, nothing sealed.
            await connection.ExecuteAsync(
                """
                INSERT INTO webhook_endpoints (id, organisation_id, url, events, secret, created_at, updated_at)
                VALUES (@Id, @Organisation, @Url, '{*}', @Secret, now(), now())
                """,
                new { Id = webhookId, Organisation = organisation, receiver.Url, Secret });
        }

        await factory.PublishAsync(WebhooksTestActions.KeyCreated(organisation));

        (await Eventually.HoldsAsync(() => receiver.Received.Count > 0, Deadline)).ShouldBeTrue();
        Receivers.Verifies(receiver.Received.Single(), Secret).ShouldBeTrue();
    }

    /// <summary>The one attempt of the endpoint's one delivery, failing the test if there were more.</summary>
    private static async Task<JsonElement> OnlyAttemptAsync(HttpClient client, string webhookId)
    {
        var delivery = (await client.OnlyDeliveryAsync(webhookId))!.Value;
        delivery.GetProperty("attempts").GetInt32().ShouldBe(1);
        var detail = await client.GetJsonAsync($"/api/v1/webhooks/{webhookId}/deliveries/{delivery.GetProperty("id").GetString()}");
        return detail.GetProperty("attempt_history").EnumerateArray().Single();
    }
}
