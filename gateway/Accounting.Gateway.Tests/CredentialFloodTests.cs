using System.Net;
using Accounting.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Accounting.Gateway.Tests;

/// <summary>Floods of made-up credentials: what they may cost auth, and what they must not cost real keys.</summary>
public sealed class CredentialFloodTests(UpstreamFixture fixture) : IClassFixture<UpstreamFixture>
{
    private StubUpstream Upstream => fixture.Upstream;

    [Fact]
    public async Task A_flood_of_bad_keys_from_one_address_gets_429_after_its_failure_budget_and_reaches_auth_no_more()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var gateway = new GatewayFactory(Upstream, clock, new Dictionary<string, string>
        {
            ["RateLimits:FailedAuthenticationsPerMinute"] = "5",
        });
        using var client = gateway.CreateClient();
        var (secret, _) = Upstream.AddKey();
        (await client.GetWithKeyAsync(secret)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var lookups = Upstream.Resolutions;

        var flood = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => client.GetWithKeyAsync(StubUpstream.NewSecret())));

        flood.Count(r => r.StatusCode == HttpStatusCode.Unauthorized).ShouldBe(5);
        var refused = flood.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        refused.Count.ShouldBe(25);
        (Upstream.Resolutions - lookups).ShouldBe(5);
        foreach (var response in refused)
        {
            (await response.ErrorCodeAsync()).ShouldBe("rate_limited");
            int.Parse(response.Header("Retry-After")).ShouldBeGreaterThanOrEqualTo(1);
            response.Header("X-RateLimit-Limit").ShouldBe("5");
            response.Header("X-RateLimit-Remaining").ShouldBe("0");
        }

        // Bad tokens count against the same budget; the key the address already proved keeps working.
        (await client.GetWithBearerAsync("not.a.jwt")).StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        (await client.GetWithKeyAsync(secret)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (Upstream.Resolutions - lookups).ShouldBe(5);

        // Five failures a minute: one more is allowed 12 s later.
        clock.Advance(TimeSpan.FromSeconds(12));
        (await client.GetWithKeyAsync(StubUpstream.NewSecret())).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await client.GetWithKeyAsync(StubUpstream.NewSecret())).StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        (Upstream.Resolutions - lookups).ShouldBe(6);
    }

    [Fact]
    public async Task A_flood_of_distinct_unknown_keys_does_not_evict_a_resolved_key()
    {
        await using var gateway = new GatewayFactory(Upstream, new FakeTimeProvider(DateTimeOffset.UtcNow), new Dictionary<string, string>
        {
            ["RateLimits:FailedAuthenticationsPerMinute"] = "1000000",
            ["Gateway:UnknownApiKeyCacheSize"] = "50",
        });
        using var client = gateway.CreateClient();
        var (secret, _) = Upstream.AddKey();
        (await client.GetWithKeyAsync(secret)).StatusCode.ShouldBe(HttpStatusCode.OK);

        foreach (var batch in Enumerable.Range(0, 300).Chunk(20))
        {
            var responses = await Task.WhenAll(batch.Select(_ => client.GetWithKeyAsync(StubUpstream.NewSecret())));
            responses.ShouldAllBe(r => r.StatusCode == HttpStatusCode.Unauthorized);
        }

        var lookups = Upstream.Resolutions;
        (await client.GetWithKeyAsync(secret)).StatusCode.ShouldBe(HttpStatusCode.OK);
        Upstream.Resolutions.ShouldBe(lookups);
    }

    [Fact]
    public async Task An_unknown_key_is_looked_up_once_while_remembered_and_works_soon_after_it_is_created()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var gateway = new GatewayFactory(Upstream, clock);
        using var client = gateway.CreateClient();
        var secret = StubUpstream.NewSecret();
        var lookups = Upstream.Resolutions;

        for (var i = 0; i < 10; i++)
        {
            (await client.GetWithKeyAsync(secret)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        (Upstream.Resolutions - lookups).ShouldBe(1);
        Upstream.Register(secret);
        (await client.GetWithKeyAsync(secret)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        clock.Advance(TimeSpan.FromSeconds(5));
        (await client.GetWithKeyAsync(secret)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (Upstream.Resolutions - lookups).ShouldBe(2);
    }
}
