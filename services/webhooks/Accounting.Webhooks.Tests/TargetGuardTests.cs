using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Accounting.Testing;
using Accounting.Webhooks.Dispatch;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Accounting.Webhooks.Tests;

/// <summary>The service as in production: https only, no private targets.</summary>
public sealed class TargetGuardTests(WebhooksFactoryWithoutPrivateTargets factory) : IClassFixture<WebhooksFactoryWithoutPrivateTargets>
{
    [Theory]
    [InlineData("https://127.0.0.1/hooks")]
    [InlineData("https://localhost/hooks")]
    [InlineData("https://10.0.0.8/hooks")]
    [InlineData("https://192.168.1.20:8443/hooks")]
    [InlineData("https://169.254.169.254/latest/meta-data/")]
    [InlineData("https://100.64.1.1/hooks")]
    [InlineData("https://[::1]/hooks")]
    [InlineData("https://[fd12:3456::1]/hooks")]
    [InlineData("https://[fe80::1]/hooks")]
    [InlineData("https://[::ffff:127.0.0.1]/hooks")]
    [InlineData("https://0.0.0.0/hooks")]
    public async Task Endpoints_pointing_at_private_addresses_are_refused(string url)
    {
        using var client = factory.ClientFor(WebhooksTestActions.NewOrganisation());

        var response = await client.PostAsJsonAsync("/api/v1/webhooks", new { url, events = new[] { "*" } });

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("errors")[0];
        error.GetProperty("field").GetString().ShouldBe("url");
        error.GetProperty("message").GetString()!.ShouldContain("private");
    }

    [Fact]
    public async Task Plain_http_is_refused_in_production_mode()
    {
        using var client = factory.ClientFor(WebhooksTestActions.NewOrganisation());

        var response = await client.PostAsJsonAsync("/api/v1/webhooks", new { url = "http://93.184.215.14/hooks", events = new[] { "*" } });

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await response.Content.ReadAsStringAsync()).ShouldContain("https");
    }

    [Fact]
    public async Task A_target_that_resolves_privately_at_delivery_is_refused_and_recorded_as_a_failure()
    {
        await using var receiver = await StubReceiver.StartAsync();
        var organisation = WebhooksTestActions.NewOrganisation();
        // As if its name resolved publicly when it was saved and to this machine now (DNS rebinding).
        var webhookId = "whk_rebound" + Guid.NewGuid().ToString("N")[..8];
        var sealedSecret = factory.Services.GetRequiredService<EndpointSecrets>().Seal(webhookId, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        await using (var connection = new NpgsqlConnection(factory.Database.ConnectionString))
        {
            await connection.ExecuteAsync(
                """
                INSERT INTO webhook_endpoints (id, organisation_id, url, events, sealed_secret, created_at, updated_at)
                VALUES (@Id, @Organisation, @Url, '{*}', @SealedSecret, now(), now())
                """,
                new { Id = webhookId, Organisation = organisation, receiver.Url, SealedSecret = sealedSecret });
        }

        using var client = factory.ClientFor(organisation);
        await factory.PublishAsync(WebhooksTestActions.KeyCreated(organisation));

        (await Eventually.HoldsAsync(() => client.AttemptedAsync(webhookId, 1), TimeSpan.FromSeconds(30))).ShouldBeTrue();
        var delivery = (await client.OnlyDeliveryAsync(webhookId))!.Value;
        delivery.GetProperty("status").GetString().ShouldBe("pending");
        delivery.GetProperty("response_status").ValueKind.ShouldBe(JsonValueKind.Null);
        var detail = await client.GetJsonAsync($"/api/v1/webhooks/{webhookId}/deliveries/{delivery.GetProperty("id").GetString()}");
        detail.GetProperty("attempt_history")[0].GetProperty("error").GetString()!.ShouldContain("Refused");
        receiver.Received.ShouldBeEmpty();
    }
}
