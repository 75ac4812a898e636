using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Accounting.ServiceDefaults;
using Accounting.Testing;

namespace Accounting.Gateway.Tests;

public sealed class ProxyTests(UpstreamFixture fixture) : IClassFixture<UpstreamFixture>
{
    private const int TenMegabytes = 10 * 1024 * 1024;

    private StubUpstream Upstream => fixture.Upstream;

    [Fact]
    public async Task Ready_is_healthy_when_Redis_answers()
    {
        await using var gateway = new GatewayFactory(Upstream);
        using var client = gateway.CreateClient();

        var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        body.RootElement.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()).ShouldContain("redis");
    }

    [Fact]
    public async Task An_unknown_path_is_a_404_in_the_error_envelope()
    {
        await using var gateway = new GatewayFactory(Upstream);
        using var client = gateway.CreateClient();
        var (secret, _) = Upstream.AddKey();

        var response = await client.GetWithKeyAsync(secret, "/api/v1/nowhere");

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await response.ErrorCodeAsync()).ShouldBe("not_found");
    }

    [Fact]
    public async Task Internal_service_endpoints_are_not_routed()
    {
        await using var gateway = new GatewayFactory(Upstream);
        using var client = gateway.CreateClient();
        var (secret, _) = Upstream.AddKey();

        var response = await client.GetWithKeyAsync(secret, "/internal/api-keys/resolve");

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        Upstream.Received.ShouldNotContain(r => r.Path.StartsWith("/internal", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_service_that_is_down_is_a_503_in_the_envelope()
    {
        await using var gateway = new GatewayFactory(Upstream, settings: new Dictionary<string, string>
        {
            ["ReverseProxy:Clusters:reports:Destinations:primary:Address"] = "http://127.0.0.1:1/",
        });
        using var client = gateway.CreateClient();
        var (secret, _) = Upstream.AddKey();

        var response = await client.GetWithKeyAsync(secret, "/api/v1/reports/profit-loss");

        response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        (await response.ErrorCodeAsync()).ShouldBe("service_unavailable");
    }

    [Fact]
    public async Task Keys_cannot_be_checked_while_auth_is_down_so_the_request_is_503()
    {
        await using var gateway = new GatewayFactory(Upstream, settings: new Dictionary<string, string>
        {
            ["ReverseProxy:Clusters:auth:Destinations:primary:Address"] = "http://127.0.0.1:1/",
        });
        using var client = gateway.CreateClient();
        var (secret, _) = Upstream.AddKey();

        var response = await client.GetWithKeyAsync(secret);

        response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        (await response.ErrorCodeAsync()).ShouldBe("service_unavailable");
    }

    [Fact]
    public async Task A_declared_body_over_10_MB_is_413_before_it_is_proxied()
    {
        await using var gateway = new GatewayFactory(Upstream);
        using var client = gateway.CreateClient();
        var (secret, _) = Upstream.AddKey("standard", "documents:write");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/v1/documents/too-large", UriKind.Relative))
        {
            Content = new ByteArrayContent(new byte[TenMegabytes + 1]),
        };
        request.Headers.Add("X-API-Key", secret);

        var response = await client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        (await response.ErrorCodeAsync()).ShouldBe("payload_too_large");
        Upstream.Received.ShouldNotContain(r => r.Path == "/api/v1/documents/too-large");
    }

    [Fact]
    public async Task A_chunked_body_over_10_MB_is_413()
    {
        // Kestrel counts a chunked body as it arrives; the in-memory test server has no such limit.
        await using var gateway = new GatewayFactory(Upstream);
        gateway.UseKestrel(0);
        using var client = gateway.CreateClient();
        var (secret, _) = Upstream.AddKey("standard", "documents:write");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/v1/documents/chunked", UriKind.Relative))
        {
            Content = new StreamContent(new MemoryStream(new byte[TenMegabytes + 1])),
        };
        request.Headers.TransferEncodingChunked = true;
        request.Headers.Add("X-API-Key", secret);

        var response = await client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        (await response.ErrorCodeAsync()).ShouldBe("payload_too_large");
    }

    [Fact]
    public async Task A_body_of_exactly_10_MB_is_proxied()
    {
        await using var gateway = new GatewayFactory(Upstream);
        using var client = gateway.CreateClient();
        var (secret, _) = Upstream.AddKey("standard", "documents:write");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/v1/documents/exactly", UriKind.Relative))
        {
            Content = new ByteArrayContent(new byte[TenMegabytes]),
        };
        request.Headers.Add("X-API-Key", secret);

        (await client.SendAsync(request)).StatusCode.ShouldBe(HttpStatusCode.OK);
        Upstream.Received.Last(r => r.Path == "/api/v1/documents/exactly").BodyLength.ShouldBe(TenMegabytes);
    }

    [Theory]
    [InlineData("req_client-chosen_1", true)]
    [InlineData("not safe!", false)]
    public async Task The_request_id_is_propagated_to_the_service_and_echoed(string supplied, bool kept)
    {
        await using var gateway = new GatewayFactory(Upstream);
        using var client = gateway.CreateClient();
        var (secret, _) = Upstream.AddKey();
        var path = "/api/v1/invoices/" + Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.Add("X-API-Key", secret);
        request.Headers.TryAddWithoutValidation("X-Request-Id", supplied);

        var response = await client.SendAsync(request);

        var echoed = response.Header("X-Request-Id");
        (echoed == supplied).ShouldBe(kept);
        echoed.ShouldStartWith("req_");
        Upstream.Received.Last(r => r.Path == path).RequestId.ShouldBe(echoed);
    }

    [Fact]
    public async Task Public_auth_endpoints_need_no_credentials_and_keep_the_temporary_token_for_auth()
    {
        await using var gateway = new GatewayFactory(Upstream);
        using var client = gateway.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/v1/auth/totp/verify", UriKind.Relative))
        {
            Content = new StringContent("{\"code\":\"123456\"}", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "tt_temporary");

        (await client.SendAsync(request)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var forwarded = Upstream.Received.Last(r => r.Path == "/api/v1/auth/totp/verify");
        forwarded.Authorization.ShouldBe("Bearer tt_temporary");
        forwarded.InternalIdentity.ShouldBeNull();
    }

    [Fact]
    public async Task Accepting_an_invitation_needs_no_credential_and_a_signed_in_user_arrives_as_themselves()
    {
        await using var gateway = new GatewayFactory(Upstream);
        using var client = gateway.CreateClient();
        var userId = Ids.New("usr");

        using var anonymous = new StringContent("{\"token\":\"inv_new\"}", System.Text.Encoding.UTF8, "application/json");
        (await client.PostAsync(new Uri("/api/v1/auth/accept-invitation", UriKind.Relative), anonymous)).StatusCode.ShouldBe(HttpStatusCode.OK);
        Upstream.Received.Last(r => r.Path == "/api/v1/auth/accept-invitation").InternalIdentity.ShouldBeNull();

        using var signedIn = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/v1/auth/accept-invitation", UriKind.Relative))
        {
            Content = new StringContent("{\"token\":\"inv_existing\"}", System.Text.Encoding.UTF8, "application/json"),
        };
        signedIn.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Upstream.Jwks.Mint(userId, Ids.New("org")));
        (await client.SendAsync(signedIn)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var forwarded = Upstream.Received.Last(r => r.Path == "/api/v1/auth/accept-invitation");
        forwarded.InternalIdentity.ShouldNotBeNull();
        forwarded.Authorization.ShouldBeNull();
    }

    [Theory]
    [InlineData("/api/v1/organisation")]
    [InlineData("/api/v1/organisation/members")]
    [InlineData("/api/v1/organisation/members/usr_someone")]
    [InlineData("/api/v1/organisation/invitations")]
    public async Task The_organisation_and_its_members_are_routed_to_auth_behind_a_credential(string path)
    {
        await using var gateway = new GatewayFactory(Upstream);
        using var client = gateway.CreateClient();
        var (secret, _) = Upstream.AddKey();

        (await client.GetAsync(new Uri(path, UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await client.GetWithKeyAsync(secret, path)).StatusCode.ShouldBe(HttpStatusCode.OK);
        Upstream.Received.ShouldContain(r => r.Path == path && r.InternalIdentity != null);
    }

    [Fact]
    public async Task The_key_set_is_public()
    {
        await using var gateway = new GatewayFactory(Upstream);
        using var client = gateway.CreateClient();

        var response = await client.GetAsync(new Uri("/.well-known/jwks.json", UriKind.Relative));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        body.RootElement.GetProperty("keys").GetArrayLength().ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task The_gateway_serves_the_combined_public_document_and_a_browsable_reference()
    {
        await using var gateway = new GatewayFactory(Upstream);
        using var client = gateway.CreateClient();

        using var document = JsonDocument.Parse(await client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)));
        var paths = document.RootElement.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        var ui = await client.GetAsync(new Uri("/docs", UriKind.Relative));

        paths.ShouldContain("/api/v1/invoices");
        paths.ShouldNotContain(p => p.StartsWith("/internal", StringComparison.Ordinal));
        document.RootElement.GetProperty("components").GetProperty("schemas").TryGetProperty("Invoice", out _).ShouldBeTrue();
        ui.StatusCode.ShouldBe(HttpStatusCode.OK);
        ui.Content.Headers.ContentType!.MediaType.ShouldBe("text/html");
    }
}
