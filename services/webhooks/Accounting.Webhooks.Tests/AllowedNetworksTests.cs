using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Accounting.Testing;
using Accounting.Webhooks.Dispatch;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Accounting.Webhooks.Tests;

/// <summary>The service as tests and local runs configure it: loopback is the only private network allowed.</summary>
public sealed class AllowedNetworksTests(WebhooksFactory factory) : IClassFixture<WebhooksFactory>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>Cloud metadata endpoints, written every way a URL can name them.</summary>
    public static TheoryData<string> MetadataUrls =>
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://169.254.170.2/v2/credentials",
        "http://100.100.100.200/latest/meta-data/",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://[fd00:ec2:0:0:0:0:0:254]/latest/meta-data/",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://METADATA.GOOGLE.INTERNAL./computeMetadata/v1/",
        "http://metadata.goog/computeMetadata/v1/",
        "http://metadata/computeMetadata/v1/",
        // Decimal, octal, hexadecimal and shortened IPv4 forms of 169.254.169.254 and 100.100.100.200.
        "http://2852039166/latest/meta-data/",
        "http://0251.0376.0251.0376/latest/meta-data/",
        "http://0xa9fea9fe/latest/meta-data/",
        "http://0xA9.0xFE.0xA9.0xFE/latest/meta-data/",
        "http://169.254.43518/latest/meta-data/",
        "http://1684301000/latest/meta-data/",
        // IPv4-mapped and IPv4-compatible IPv6.
        "http://[::ffff:169.254.169.254]/latest/meta-data/",
        "http://[::ffff:a9fe:a9fe]/latest/meta-data/",
        "http://[::169.254.169.254]/latest/meta-data/",
        // 6to4, NAT64 (well-known and local-use, /96 and /48 layouts) and Teredo (client = NOT of the last 32 bits).
        "http://[2002:a9fe:a9fe::1]/latest/meta-data/",
        "http://[64:ff9b::169.254.169.254]/latest/meta-data/",
        "http://[64:ff9b:1::a9fe:a9fe]/latest/meta-data/",
        "http://[64:ff9b:1:a9fe:a9:fe00::]/latest/meta-data/",
        "http://[2001:0:4136:e378:8000:63bf:5601:5601]/latest/meta-data/",
    ];

    /// <summary>Private addresses behind the IPv6 transition mechanisms, which reach them through a relay or translator.</summary>
    public static TheoryData<string> TunnelledPrivateUrls =>
    [
        "http://[2002:a00:1::1]/hooks",
        "http://[2002:7f00:1::1]/hooks",
        "http://[2002:c0a8:114::1]/hooks",
        "http://[64:ff9b::10.0.0.1]/hooks",
        "http://[64:ff9b::127.0.0.1]/hooks",
        "http://[64:ff9b:1::a00:1]/hooks",
        "http://[64:ff9b:1:c0a8:1:1400::]/hooks",
        "http://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/hooks",
        "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hooks",
    ];

    [Theory]
    [MemberData(nameof(MetadataUrls))]
    public async Task Cloud_metadata_endpoints_are_refused_in_every_encoding_even_with_loopback_allowed(string url)
    {
        using var client = factory.ClientFor(WebhooksTestActions.NewOrganisation());

        var response = await client.PostAsJsonAsync("/api/v1/webhooks", new { url, events = new[] { "*" } });

        await ShouldBeRefusedAsync(response);
    }

    [Theory]
    [MemberData(nameof(TunnelledPrivateUrls))]
    public async Task Private_addresses_inside_6to4_nat64_and_teredo_addresses_are_refused(string url)
    {
        using var client = factory.ClientFor(WebhooksTestActions.NewOrganisation());

        var response = await client.PostAsJsonAsync("/api/v1/webhooks", new { url, events = new[] { "*" } });

        await ShouldBeRefusedAsync(response);
    }

    [Theory]
    [InlineData("http://10.0.0.8/hooks")]
    [InlineData("http://192.168.1.20:8443/hooks")]
    [InlineData("http://172.16.0.1/hooks")]
    [InlineData("http://100.64.1.1/hooks")]
    [InlineData("http://[fd12:3456::1]/hooks")]
    [InlineData("http://[fe80::1]/hooks")]
    [InlineData("http://0.0.0.0/hooks")]
    public async Task Private_networks_not_in_the_allowed_list_are_refused(string url)
    {
        using var client = factory.ClientFor(WebhooksTestActions.NewOrganisation());

        var response = await client.PostAsJsonAsync("/api/v1/webhooks", new { url, events = new[] { "*" } });

        await ShouldBeRefusedAsync(response);
    }

    [Theory]
    [InlineData("http://127.0.0.1:9/hooks")]
    [InlineData("http://127.8.9.10:9/hooks")]
    [InlineData("http://[::1]:9/hooks")]
    [InlineData("http://[::ffff:127.0.0.1]:9/hooks")]
    [InlineData("http://localhost:9/hooks")]
    public async Task Loopback_is_accepted_when_the_allowed_list_names_it(string url)
    {
        using var client = factory.ClientFor(WebhooksTestActions.NewOrganisation());

        var response = await client.PostAsJsonAsync("/api/v1/webhooks", new { url, events = new[] { "*" } });

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Changing_an_endpoints_url_to_a_metadata_endpoint_is_refused()
    {
        using var client = factory.ClientFor(WebhooksTestActions.NewOrganisation());
        var (webhookId, _) = await client.SubscribeAsync("http://127.0.0.1:9/hooks");

        var response = await client.PatchAsJsonAsync($"/api/v1/webhooks/{webhookId}", new { url = "http://169.254.169.254/latest/meta-data/" });

        await ShouldBeRefusedAsync(response);
        (await client.GetJsonAsync($"/api/v1/webhooks/{webhookId}")).GetProperty("url").GetString().ShouldBe("http://127.0.0.1:9/hooks");
    }

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://metadata.google.internal/computeMetadata/v1/")]
    [InlineData("http://[::ffff:169.254.169.254]/latest/meta-data/")]
    public async Task A_metadata_target_met_at_delivery_is_a_failed_attempt_that_never_sends(string url)
    {
        var organisation = WebhooksTestActions.NewOrganisation();
        // As if it had been saved before the guard knew better, or by a replica that did not check.
        var webhookId = "whk_metadata" + Guid.NewGuid().ToString("N")[..8];
        var sealedSecret = factory.Services.GetRequiredService<EndpointSecrets>().Seal(webhookId, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        await using (var connection = new NpgsqlConnection(factory.Database.ConnectionString))
        {
            await connection.ExecuteAsync(
                """
                INSERT INTO webhook_endpoints (id, organisation_id, url, events, sealed_secret, created_at, updated_at)
                VALUES (@Id, @Organisation, @Url, '{*}', @SealedSecret, now(), now())
                """,
                new { Id = webhookId, Organisation = organisation, Url = url, SealedSecret = sealedSecret });
        }

        using var client = factory.ClientFor(organisation);
        await factory.PublishAsync(WebhooksTestActions.KeyCreated(organisation));

        (await Eventually.HoldsAsync(() => client.AttemptedAsync(webhookId, 1), Deadline)).ShouldBeTrue();
        var delivery = (await client.OnlyDeliveryAsync(webhookId))!.Value;
        delivery.GetProperty("status").GetString().ShouldBe("pending");
        delivery.GetProperty("response_status").ValueKind.ShouldBe(JsonValueKind.Null);
        var detail = await client.GetJsonAsync($"/api/v1/webhooks/{webhookId}/deliveries/{delivery.GetProperty("id").GetString()}");
        var error = detail.GetProperty("attempt_history")[0].GetProperty("error").GetString()!;
        error.ShouldStartWith("Refused");
        error.ShouldContain("metadata");
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("127.0.0.1")]
    [InlineData("10.0.0.0/33")]
    public void A_malformed_allowed_network_stops_the_service_from_starting(string network)
    {
        var settings = WebhooksTestSettings.Create(allowedPrivateNetworks: [network]);

        var failure = Should.Throw<OptionsValidationException>(() => new WebhooksReplica(factory.Database.ConnectionString, settings).Dispose());

        failure.Message.ShouldContain("Webhooks:AllowedPrivateNetworks");
    }

    private static async Task ShouldBeRefusedAsync(HttpResponseMessage response)
    {
        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        error.GetProperty("code").GetString().ShouldBe("validation_failed");
        var field = error.GetProperty("errors").EnumerateArray().Single();
        field.GetProperty("field").GetString().ShouldBe("url");
        field.GetProperty("message").GetString()!.ShouldMatch("private|metadata");
    }
}
