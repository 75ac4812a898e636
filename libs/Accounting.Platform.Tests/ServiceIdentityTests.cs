using System.Net;
using System.Security.Cryptography;
using Accounting.ServiceDefaults.Identity;
using Accounting.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Accounting.Platform.Tests;

/// <summary>
/// Service-to-service identity: a trusted service's own token opens the internal endpoints and
/// nothing else; the gateway's identities never open them.
/// </summary>
public sealed class ServiceIdentityTests(ServiceDefaultsApp app) : IClassFixture<ServiceDefaultsApp>
{
    private const string InternalPath = "/internal/widgets";

    [Fact]
    public async Task A_trusted_services_token_reaches_an_internal_endpoint_as_that_service_in_that_organisation()
    {
        using var client = app.CreateClient(token: TestIdentity.MintService("org_a", ServiceDefaultsApp.Audience, app.Clock));
        var response = await client.GetAsync(InternalPath);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await JsonContent.ReadAsync(response);
        body.GetProperty("organisation_id").GetString().ShouldBe("org_a");
        body.GetProperty("principal_id").GetString().ShouldBe(TestIdentity.TrustedService);
    }

    [Fact]
    public async Task A_services_token_is_refused_on_a_public_endpoint()
    {
        using var client = app.CreateClient(token: TestIdentity.MintService("org_a", ServiceDefaultsApp.Audience, app.Clock));
        var response = await client.GetAsync("/widgets");

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await ErrorEnvelope.ReadAsync(response)).Code.ShouldBe("invalid_token");
    }

    [Fact]
    public async Task A_gateway_identity_for_a_user_is_refused_on_an_internal_endpoint()
    {
        using var client = app.CreateClient(TestIdentity.Caller("org_a", "widgets:write"));
        var response = await client.GetAsync(InternalPath);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_gateways_own_service_identity_is_refused_on_an_internal_endpoint()
    {
        var gateway = new Caller("org_a", "gateway", PrincipalType.Service, null, new HashSet<string>());
        using var client = app.CreateClient(token: TestIdentity.Mint(gateway, ServiceDefaultsApp.Audience, app.Clock));
        var response = await client.GetAsync(InternalPath);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task An_internal_endpoint_without_a_token_is_a_401()
    {
        using var client = app.CreateClient();
        var response = await client.GetAsync(InternalPath);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_services_token_addressed_to_another_service_is_refused()
    {
        using var client = app.CreateClient(token: TestIdentity.MintService("org_a", "ledger", app.Clock));
        var response = await client.GetAsync(InternalPath);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await ErrorEnvelope.ReadAsync(response)).Code.ShouldBe("invalid_token");
    }

    [Fact]
    public async Task An_expired_services_token_is_refused()
    {
        var mintedAt = app.Clock.GetUtcNow() - InternalIdentityIssuer.Lifetime - new InternalIdentityOptions().ClockSkew - TimeSpan.FromSeconds(1);
        using var client = app.CreateClient(token: TestIdentity.MintService("org_a", ServiceDefaultsApp.Audience, new FakeTimeProvider(mintedAt)));
        var response = await client.GetAsync(InternalPath);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await ErrorEnvelope.ReadAsync(response)).Code.ShouldBe("invalid_token");
    }

    [Fact]
    public async Task A_token_from_an_issuer_the_app_does_not_trust_is_refused()
    {
        // The trusted service's own key, but in the name of a service the app was not told to trust.
        using var key = ECDsa.Create();
        key.ImportFromPem(await File.ReadAllTextAsync(TestIdentity.ServiceSigningKeyPath));
        var untrusted = new ServiceIdentityIssuer(
            new InternalIdentityIssuer(key, app.Clock, ServiceIdentityOptions.IssuerOf("webhooks")), "webhooks");
        using var client = app.CreateClient(token: untrusted.Issue("org_a", ServiceDefaultsApp.Audience));
        var response = await client.GetAsync(InternalPath);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await ErrorEnvelope.ReadAsync(response)).Code.ShouldBe("invalid_token");
    }

    [Fact]
    public async Task A_token_in_a_trusted_services_name_signed_with_another_key_is_refused()
    {
        foreach (var token in new[]
                 {
                     TestIdentity.MintServiceForged("org_a", ServiceDefaultsApp.Audience),
                     TestIdentity.MintServiceWithGatewayKey("org_a", ServiceDefaultsApp.Audience),
                 })
        {
            using var client = app.CreateClient(token: token);
            var response = await client.GetAsync(InternalPath);

            response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            (await ErrorEnvelope.ReadAsync(response)).Code.ShouldBe("invalid_token");
        }
    }

    [Fact]
    public async Task A_services_key_cannot_sign_an_identity_in_the_gateways_name()
    {
        using var client = app.CreateClient(token: TestIdentity.MintWithServiceKey(TestIdentity.Caller("org_a", "widgets:write"), ServiceDefaultsApp.Audience));
        var response = await client.GetAsync("/widgets");

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await ErrorEnvelope.ReadAsync(response)).Code.ShouldBe("invalid_token");
    }
}
