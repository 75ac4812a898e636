using System.Net;
using System.Text;
using Accounting.ServiceDefaults.Identity;
using Accounting.Testing;

namespace Accounting.Platform.Tests;

public sealed class InternalIdentityTests(ServiceDefaultsApp app) : IClassFixture<ServiceDefaultsApp>
{
    private static readonly Caller Writer = TestIdentity.Caller("org_a", "widgets:write");

    [Fact]
    public async Task A_request_without_an_identity_is_a_401_unauthorized()
    {
        using var client = app.CreateClient();
        var response = await client.GetAsync("/widgets");

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await ErrorEnvelope.ReadAsync(response)).Code.ShouldBe("unauthorized");
    }

    [Fact]
    public async Task An_expired_identity_is_a_401_invalid_token()
    {
        var token = TestIdentity.Mint(Writer, ServiceDefaultsApp.Audience, app.Clock);
        app.Clock.Advance(InternalIdentityIssuer.Lifetime + new InternalIdentityOptions().ClockSkew + TimeSpan.FromSeconds(1));
        using var client = app.CreateClient(token: token);
        var response = await client.GetAsync("/widgets");

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await ErrorEnvelope.ReadAsync(response)).Code.ShouldBe("invalid_token");
    }

    [Fact]
    public async Task An_identity_signed_by_another_key_is_a_401_invalid_token()
    {
        using var client = app.CreateClient(token: TestIdentity.MintForged(Writer, ServiceDefaultsApp.Audience));
        var response = await client.GetAsync("/widgets");

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await ErrorEnvelope.ReadAsync(response)).Code.ShouldBe("invalid_token");
    }

    [Fact]
    public async Task An_identity_minted_for_another_service_is_a_401_invalid_token()
    {
        using var client = app.CreateClient(token: TestIdentity.Mint(Writer, "ledger"));
        var response = await client.GetAsync("/widgets");

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await ErrorEnvelope.ReadAsync(response)).Code.ShouldBe("invalid_token");
    }

    [Fact]
    public async Task An_unsigned_identity_is_a_401_invalid_token()
    {
        var signed = TestIdentity.Mint(Writer, ServiceDefaultsApp.Audience).Split('.');
        var noneHeader = Convert.ToBase64String(Encoding.UTF8.GetBytes("""{"alg":"none","typ":"JWT"}""")).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        using var client = app.CreateClient(token: $"{noneHeader}.{signed[1]}.");
        var response = await client.GetAsync("/widgets");

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await ErrorEnvelope.ReadAsync(response)).Code.ShouldBe("invalid_token");
    }

    [Fact]
    public async Task A_missing_scope_is_a_403_insufficient_scope_naming_it()
    {
        using var client = app.CreateClient(TestIdentity.Caller("org_a", "widgets:read"));
        var response = await client.PostAsync("/widgets", JsonContent.Of("""{"name": "w", "lines": []}"""));

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var error = await ErrorEnvelope.ReadAsync(response);
        error.Code.ShouldBe("insufficient_scope");
        error.Message.ShouldBe("This request requires the widgets:write scope");
    }

    [Fact]
    public async Task Write_scope_implies_read()
    {
        using var client = app.CreateClient(Writer);
        var response = await client.GetAsync("/widgets");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Read_scope_does_not_imply_another_resource()
    {
        using var client = app.CreateClient(TestIdentity.Caller("org_a", "gadgets:write"));
        var response = await client.GetAsync("/widgets");

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await ErrorEnvelope.ReadAsync(response)).Message.ShouldContain("widgets:read");
    }

    [Fact]
    public async Task Handlers_see_the_organisation_of_the_identity()
    {
        using var client = app.CreateClient(TestIdentity.Caller("org_b", "widgets:read"));
        var response = await client.GetAsync("/widgets");

        (await JsonContent.ReadAsync(response)).GetProperty("data")[0].GetProperty("organisation_id").GetString().ShouldBe("org_b");
    }

    [Fact]
    public async Task Health_endpoints_need_no_identity()
    {
        using var client = app.CreateClient();

        (await client.GetAsync("/health/live")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await client.GetAsync("/health/ready")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
