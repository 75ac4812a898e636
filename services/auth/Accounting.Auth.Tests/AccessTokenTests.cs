using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Accounting.ServiceDefaults.Identity;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Accounting.Auth.Tests;

/// <summary>Access tokens verify against the published JWKS, and nothing else does.</summary>
public sealed class AccessTokenTests(AuthFactory factory) : IClassFixture<AuthFactory>
{
    private const string Issuer = "accounting-auth";
    private const string Audience = "accounting-api";
    private readonly JsonWebTokenHandler handler = new() { MapInboundClaims = false };

    [Fact]
    public async Task An_access_token_verifies_against_the_JWKS_and_carries_the_contract_claims()
    {
        var account = await factory.RegisterAsync();

        var result = await handler.ValidateTokenAsync(account.AccessToken, await ValidationParameters());

        result.IsValid.ShouldBeTrue(result.Exception?.Message);
        var token = (JsonWebToken)result.SecurityToken;
        token.Alg.ShouldBe("ES256");
        token.Subject.ShouldBe(account.UserId);
        token.GetClaim("org").Value.ShouldBe(account.OrganisationId);
        token.GetClaim("role").Value.ShouldBe("owner");
        token.GetClaim("plan").Value.ShouldBe("standard");
        token.Id.ShouldNotBeNullOrEmpty();
        (token.ValidTo - token.IssuedAt).ShouldBe(TimeSpan.FromMinutes(15));
    }

    [Fact]
    public async Task The_JWKS_publishes_only_public_keys()
    {
        var jwks = await factory.CreateClient().GetStringAsync("/.well-known/jwks.json");

        var keys = new JsonWebKeySet(jwks).Keys;
        keys.ShouldNotBeEmpty();
        keys.ShouldAllBe(key => key.Kty == "EC" && key.Alg == "ES256" && key.Kid != null && key.D == null);
    }

    [Fact]
    public async Task A_token_signed_by_a_key_not_in_the_JWKS_is_refused()
    {
        var account = await factory.RegisterAsync();
        var original = handler.ReadJsonWebToken(account.AccessToken);
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var forged = handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            Expires = factory.Clock.GetUtcNow().UtcDateTime.AddMinutes(10),
            Claims = new Dictionary<string, object> { ["sub"] = account.UserId, ["org"] = "org_someone_else", ["role"] = "owner" },
            SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(stranger) { KeyId = original.Kid }, SecurityAlgorithms.EcdsaSha256),
        });

        (await handler.ValidateTokenAsync(forged, await ValidationParameters())).IsValid.ShouldBeFalse();
    }

    [Fact]
    public async Task An_unsigned_token_is_refused()
    {
        var account = await factory.RegisterAsync();
        var payload = account.AccessToken.Split('.')[1];
        var unsigned = $"{Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""")}.{payload}.";

        (await handler.ValidateTokenAsync(unsigned, await ValidationParameters())).IsValid.ShouldBeFalse();
    }

    [Fact]
    public async Task A_token_signed_with_HS256_keyed_by_the_public_key_is_refused()
    {
        var account = await factory.RegisterAsync();
        var jwks = await factory.CreateClient().GetStringAsync("/.well-known/jwks.json");
        var header = Base64UrlEncoder.Encode("""{"alg":"HS256","typ":"JWT"}""");
        var payload = account.AccessToken.Split('.')[1];
        var signature = Base64UrlEncoder.Encode(HMACSHA256.HashData(Encoding.UTF8.GetBytes(jwks), Encoding.ASCII.GetBytes($"{header}.{payload}")));

        (await handler.ValidateTokenAsync($"{header}.{payload}.{signature}", await ValidationParameters())).IsValid.ShouldBeFalse();
    }

    [Fact]
    public async Task An_expired_token_is_refused()
    {
        var account = await factory.RegisterAsync();
        var parameters = await ValidationParameters();
        var afterExpiry = factory.Clock.GetUtcNow() + TimeSpan.FromMinutes(15) + parameters.ClockSkew + TimeSpan.FromSeconds(1);

        (await handler.ValidateTokenAsync(account.AccessToken, parameters)).IsValid.ShouldBeTrue();
        (await handler.ValidateTokenAsync(account.AccessToken, await ValidationParameters(afterExpiry))).IsValid.ShouldBeFalse();
    }

    [Fact]
    public async Task Switching_organisation_issues_tokens_for_it_and_only_for_the_users_own()
    {
        var account = await factory.RegisterAsync();
        var stranger = await factory.RegisterAsync();
        using var client = factory.ClientFor(account);
        var created = await (await client.PostAsJsonAsync("/api/v1/organisations", new { name = "Second Ltd" })).Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        var secondId = created.GetProperty("id").GetString();

        var switched = await client.PostAsJsonAsync("/api/v1/auth/switch-organisation", new { organisation_id = secondId });
        var foreign = await client.PostAsJsonAsync("/api/v1/auth/switch-organisation", new { organisation_id = stranger.OrganisationId });

        switched.StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);
        var accessToken = (await switched.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("tokens").GetProperty("access_token").GetString()!;
        handler.ReadJsonWebToken(accessToken).GetClaim("org").Value.ShouldBe(secondId);
        foreign.StatusCode.ShouldBe(System.Net.HttpStatusCode.NotFound);
    }

    /// <summary>Lifetimes checked at <paramref name="at"/> on the service's clock (now by default), never the machine's.</summary>
    private async Task<TokenValidationParameters> ValidationParameters(DateTimeOffset? at = null)
    {
        var jwks = await factory.CreateClient().GetStringAsync("/.well-known/jwks.json");
        var parameters = UserTokens.ValidationParameters(new JsonWebKeySet(jwks), Issuer, Audience);
        parameters.LifetimeValidator = (notBefore, expires, _, checking) =>
        {
            var now = (at ?? factory.Clock.GetUtcNow()).UtcDateTime;
            return expires is { } expiry && now <= expiry + checking.ClockSkew && (notBefore is null || notBefore.Value - checking.ClockSkew <= now);
        };
        return parameters;
    }
}
