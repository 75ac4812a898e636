using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Accounting.Gateway.Authentication;
using Accounting.Redis;
using Accounting.ServiceDefaults;
using Accounting.ServiceDefaults.Identity;
using Accounting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using StackExchange.Redis;
using Microsoft.Extensions.Time.Testing;

namespace Accounting.Gateway.Tests;

public sealed class AuthenticationTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private StubUpstream Upstream => fixture.Upstream;

    private HttpClient Client => fixture.Client;

    [Fact]
    public async Task A_request_without_credentials_is_401_unauthorized()
    {
        var response = await Client.GetAsync(new Uri("/api/v1/invoices", UriKind.Relative));

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await response.ErrorCodeAsync()).ShouldBe("unauthorized");
    }

    [Theory]
    [InlineData("sk_test_doesnotexist0000000000000000000000")]
    [InlineData("not-a-key")]
    public async Task An_unknown_api_key_is_401_invalid_api_key(string key)
    {
        var response = await Client.GetWithKeyAsync(key);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await response.ErrorCodeAsync()).ShouldBe("invalid_api_key");
    }

    [Fact]
    public async Task Revoked_and_expired_keys_are_401_invalid_api_key()
    {
        var (revoked, revokedKey) = Upstream.AddKey();
        Upstream.Keys[ApiKeyHash.Compute(revoked)] = revokedKey with { Status = "revoked" };
        var (expired, expiredKey) = Upstream.AddKey();
        Upstream.Keys[ApiKeyHash.Compute(expired)] = expiredKey with { ExpiresAt = DateTimeOffset.UtcNow.AddSeconds(-1) };

        foreach (var key in new[] { revoked, expired })
        {
            var response = await Client.GetWithKeyAsync(key);
            response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            (await response.ErrorCodeAsync()).ShouldBe("invalid_api_key");
        }
    }

    [Fact]
    public async Task A_valid_key_reaches_the_service_as_a_signed_identity_for_that_service_only()
    {
        var (secret, key) = Upstream.AddKey("standard", "invoices:write", "contacts:read");

        var response = await Client.GetWithKeyAsync(secret, "/api/v1/invoices?status=draft");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var forwarded = ForwardedFor("/api/v1/invoices?status=draft");
        forwarded.ApiKey.ShouldBeNull();
        forwarded.Authorization.ShouldBeNull();
        var identity = await VerifyAsync(forwarded.InternalIdentity!, audience: "ledger");
        identity.GetClaim(IdentityClaims.Organisation).Value.ShouldBe(key.OrganisationId);
        identity.GetClaim(IdentityClaims.Subject).Value.ShouldBe(key.KeyId);
        identity.GetClaim(IdentityClaims.PrincipalType).Value.ShouldBe("api_key");
        identity.GetClaim(IdentityClaims.Scope).Value.ShouldBe("contacts:read invoices:write");
    }

    [Fact]
    public async Task A_key_is_also_accepted_as_a_bearer_token()
    {
        var (secret, _) = Upstream.AddKey();

        var response = await Client.GetWithBearerAsync(secret);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Concurrent_requests_with_a_new_key_resolve_it_with_auth_once()
    {
        var (secret, _) = Upstream.AddKey();
        var before = Upstream.Resolutions;

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Client.GetWithKeyAsync(secret)));

        responses.ShouldAllBe(r => r.StatusCode == HttpStatusCode.OK);
        (Upstream.Resolutions - before).ShouldBe(1);
    }

    [Fact]
    public async Task A_revoked_key_is_refused_as_soon_as_the_notice_arrives()
    {
        // Frozen, so the cached resolution never expires by itself: only the notice can explain the refusal.
        await using var gateway = new GatewayFactory(Upstream, new FakeTimeProvider(DateTimeOffset.UtcNow));
        using var client = gateway.CreateClient();
        var (secret, key) = Upstream.AddKey();
        (await client.GetWithKeyAsync(secret)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var hash = ApiKeyHash.Compute(secret);
        Upstream.Keys[hash] = key with { Status = "revoked" };
        using var redis = await ConnectionMultiplexer.ConnectAsync(TestEnvironment.Redis);
        await redis.GetSubscriber().PublishAsync(RevocationNotice.Channel, hash);

        // Notices arrive within milliseconds; the deadline is generous only for a loaded machine.
        var refused = await Eventually.HoldsAsync(
            async () => (await client.GetWithKeyAsync(secret)).StatusCode == HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(15));
        refused.ShouldBeTrue();
    }

    [Fact]
    public async Task Last_use_is_reported_to_auth_in_batches()
    {
        // The reporter's own timer must not report part of the batch between the requests.
        await using var gateway = new GatewayFactory(Upstream, settings: new Dictionary<string, string>
        {
            ["Gateway:UsageReportInterval"] = "1.00:00:00",
        });
        using var client = gateway.CreateClient();
        var (secret, key) = Upstream.AddKey();
        for (var i = 0; i < 3; i++)
        {
            (await client.GetWithKeyAsync(secret)).StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        await gateway.Services.GetRequiredService<ApiKeyUsageReporter>().ReportAsync(CancellationToken.None);

        Upstream.Usages.Count(u => u.KeyId == key.KeyId).ShouldBe(1);
    }

    [Fact]
    public async Task A_forged_internal_identity_is_replaced_by_the_gateways_own()
    {
        var (secret, key) = Upstream.AddKey();
        var forged = TestIdentity.Mint(TestIdentity.Caller("org_someone_else", ApiScopes.All.ToArray()), "ledger");
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/v1/invoices/forged", UriKind.Relative));
        request.Headers.Add("X-API-Key", secret);
        request.Headers.Add(InternalIdentityOptions.HeaderName, forged);

        (await Client.SendAsync(request)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var forwarded = ForwardedFor("/api/v1/invoices/forged");
        forwarded.InternalIdentity.ShouldNotBe(forged);
        var identity = await VerifyAsync(forwarded.InternalIdentity!, audience: "ledger");
        identity.GetClaim(IdentityClaims.Organisation).Value.ShouldBe(key.OrganisationId);
    }

    [Fact]
    public async Task An_internal_identity_without_credentials_gains_nothing()
    {
        var forged = TestIdentity.Mint(TestIdentity.Caller("org_someone_else", ApiScopes.All.ToArray()), "ledger");
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/v1/invoices/only-forged", UriKind.Relative));
        request.Headers.Add(InternalIdentityOptions.HeaderName, forged);

        var response = await Client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        Upstream.Received.ShouldNotContain(r => r.Path == "/api/v1/invoices/only-forged");
    }

    [Fact]
    public async Task A_user_token_reaches_the_service_with_the_roles_scopes()
    {
        var userId = Ids.New("usr");
        var organisationId = Ids.New("org");

        var response = await Client.GetWithBearerAsync(Upstream.Jwks.Mint(userId, organisationId, role: "viewer"), "/api/v1/reports/trial-balance");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var forwarded = ForwardedFor("/api/v1/reports/trial-balance");
        forwarded.Authorization.ShouldBeNull();
        var identity = await VerifyAsync(forwarded.InternalIdentity!, audience: "reports");
        identity.GetClaim(IdentityClaims.Subject).Value.ShouldBe(userId);
        identity.GetClaim(IdentityClaims.Organisation).Value.ShouldBe(organisationId);
        identity.GetClaim(IdentityClaims.Role).Value.ShouldBe("viewer");
        identity.GetClaim(IdentityClaims.Scope).Value.Split(' ').ShouldBe(ApiScopes.ForRole("viewer").Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_token_from_a_newly_rotated_key_is_accepted_after_refreshing_the_key_set()
    {
        await using var gateway = new GatewayFactory(Upstream, settings: new Dictionary<string, string>
        {
            ["Gateway:JwksUnknownKeyRefreshInterval"] = "00:00:00",
        });
        using var client = gateway.CreateClient();
        (await client.GetWithBearerAsync(Upstream.Jwks.Mint(Ids.New("usr"), Ids.New("org")))).StatusCode.ShouldBe(HttpStatusCode.OK);
        var rotated = Upstream.Jwks.Rotate();

        var response = await client.GetWithBearerAsync(Upstream.Jwks.Mint(Ids.New("usr"), Ids.New("org"), key: rotated));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Tokens_with_made_up_key_ids_cannot_make_the_gateway_fetch_the_key_set_repeatedly()
    {
        // Frozen, so the once-per-interval refresh for unknown key ids cannot fall due during the test.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var gateway = new GatewayFactory(Upstream, clock);
        using var client = gateway.CreateClient();
        (await client.GetWithBearerAsync(Upstream.Jwks.Mint(Ids.New("usr"), Ids.New("org"), clock: clock))).StatusCode.ShouldBe(HttpStatusCode.OK);
        var fetches = Upstream.JwksFetches;

        for (var i = 0; i < 10; i++)
        {
            var forged = Upstream.Jwks.Mint(Ids.New("usr"), Ids.New("org"), key: TestSigningKeys.NewKey(), clock: clock);
            (await client.GetWithBearerAsync(forged)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        Upstream.JwksFetches.ShouldBe(fetches);
    }

    public static TheoryData<string> RefusedTokens => new()
    {
        "expired",
        "unknown-key",
        "alg-none",
        "hs256-with-public-key",
        "wrong-issuer",
        "wrong-audience",
        "unknown-role",
        "garbage",
    };

    [Theory]
    [MemberData(nameof(RefusedTokens))]
    public async Task Bad_user_tokens_are_401_invalid_token(string kind)
    {
        var userId = Ids.New("usr");
        var organisationId = Ids.New("org");
        var jwks = Upstream.Jwks;
        var token = kind switch
        {
            "expired" => jwks.Mint(userId, organisationId, expires: DateTime.UtcNow.AddMinutes(-5)),
            "unknown-key" => jwks.Mint(userId, organisationId, key: TestSigningKeys.NewKey()),
            "alg-none" => Unsigned(jwks.Mint(userId, organisationId)),
            "hs256-with-public-key" => TestSigningKeys.Mint(HmacWithPublicKey(jwks.Current), userId, organisationId),
            "wrong-issuer" => jwks.Mint(userId, organisationId, issuer: "someone-else"),
            "wrong-audience" => jwks.Mint(userId, organisationId, audience: "another-api"),
            "unknown-role" => jwks.Mint(userId, organisationId, role: "superuser"),
            _ => "not.a.jwt",
        };

        var response = await Client.GetWithBearerAsync(token);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await response.ErrorCodeAsync()).ShouldBe("invalid_token");
    }

    private static string Unsigned(string token)
    {
        var parts = token.Split('.');
        var header = Base64UrlEncoder.Encode("{\"alg\":\"none\",\"typ\":\"JWT\"}");
        return $"{header}.{parts[1]}.";
    }

    private static SigningCredentials HmacWithPublicKey(ECDsaSecurityKey key)
    {
        var publicKey = Encoding.UTF8.GetBytes(key.ECDsa.ExportSubjectPublicKeyInfoPem());
        return new SigningCredentials(new SymmetricSecurityKey(publicKey) { KeyId = key.KeyId }, SecurityAlgorithms.HmacSha256);
    }

    private ForwardedRequest ForwardedFor(string path) => Upstream.Received.Last(r => r.Path == path);

    private static async Task<JsonWebToken> VerifyAsync(string token, string audience)
    {
        var result = await new JsonWebTokenHandler { MapInboundClaims = false }.ValidateTokenAsync(token, new TokenValidationParameters
        {
            IssuerSigningKey = new ECDsaSecurityKey(TestIdentity.VerificationKey),
            ValidIssuer = InternalIdentityOptions.DefaultIssuer,
            ValidAudience = audience,
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
        });
        result.IsValid.ShouldBeTrue(result.Exception?.Message);
        return (JsonWebToken)result.SecurityToken;
    }
}
