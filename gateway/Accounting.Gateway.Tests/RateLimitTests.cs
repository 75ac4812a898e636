using System.Net;
using Accounting.ServiceDefaults;
using Accounting.Testing;
using Microsoft.Extensions.Time.Testing;

// Every test here runs on a frozen FakeTimeProvider: on the wall clock the buckets refill while a burst of
// requests is still in flight (100 per minute is a token every 600 ms), so a loaded machine admits more.

namespace Accounting.Gateway.Tests;

public sealed class RateLimitTests(UpstreamFixture fixture) : IClassFixture<UpstreamFixture>
{
    private StubUpstream Upstream => fixture.Upstream;

    [Fact]
    public async Task Exactly_100_of_150_concurrent_requests_on_a_fresh_key_succeed_and_the_rest_get_429()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var gateway = new GatewayFactory(Upstream, clock);
        using var client = gateway.CreateClient();
        var (secret, _) = Upstream.AddKey();

        var responses = await Task.WhenAll(Enumerable.Range(0, 150).Select(_ => client.GetWithKeyAsync(secret)));

        responses.Count(r => r.StatusCode == HttpStatusCode.OK).ShouldBe(100);
        var refused = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        refused.Count.ShouldBe(50);
        foreach (var response in refused)
        {
            (await response.ErrorCodeAsync()).ShouldBe("rate_limited");
            int.Parse(response.Header("Retry-After")).ShouldBeGreaterThanOrEqualTo(1);
            response.Header("X-RateLimit-Limit").ShouldBe("1000");
            response.Header("X-RateLimit-Remaining").ShouldBe("0");
            long.Parse(response.Header("X-RateLimit-Reset")).ShouldBeGreaterThan(clock.GetUtcNow().ToUnixTimeSeconds());
        }
    }

    [Fact]
    public async Task Two_gateways_sharing_Redis_admit_100_requests_together()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var first = new GatewayFactory(Upstream, clock);
        await using var second = new GatewayFactory(Upstream, clock);
        using var firstClient = first.CreateClient();
        using var secondClient = second.CreateClient();
        var (secret, _) = Upstream.AddKey();

        var responses = await Task.WhenAll(Enumerable.Range(0, 150)
            .Select(i => (i % 2 == 0 ? firstClient : secondClient).GetWithKeyAsync(secret)));

        responses.Count(r => r.StatusCode == HttpStatusCode.OK).ShouldBe(100);
        responses.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests).ShouldBe(50);
    }

    [Fact]
    public async Task Every_admitted_response_reports_the_hourly_quota_and_the_tighter_bucket()
    {
        await using var gateway = new GatewayFactory(Upstream, new FakeTimeProvider(DateTimeOffset.UtcNow));
        using var client = gateway.CreateClient();
        var (secret, _) = Upstream.AddKey();

        await client.GetWithKeyAsync(secret);
        var response = await client.GetWithKeyAsync(secret);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Header("X-RateLimit-Limit").ShouldBe("1000");
        response.Header("X-RateLimit-Remaining").ShouldBe("98");
        response.Header("RateLimit-Policy").ShouldBe("\"hour\";q=1000;w=3600, \"burst\";q=100;w=60");
        response.Header("RateLimit").ShouldStartWith("\"burst\";r=98;t=");
    }

    [Fact]
    public async Task The_hourly_bucket_refuses_once_its_quota_is_spent_even_when_the_burst_has_refilled()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var gateway = new GatewayFactory(Upstream, clock, new Dictionary<string, string>
        {
            ["RateLimits:Plans:small:RequestsPerHour"] = "10",
            ["RateLimits:Plans:small:BurstPerMinute"] = "5",
        });
        using var client = gateway.CreateClient();
        var (secret, _) = Upstream.AddKey(plan: "small");

        (await AdmittedInARowAsync(client, secret)).ShouldBe(5);
        clock.Advance(TimeSpan.FromMinutes(1));
        (await AdmittedInARowAsync(client, secret)).ShouldBe(5);

        var refused = await client.GetWithKeyAsync(secret);
        refused.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        refused.Header("RateLimit").ShouldStartWith("\"hour\";r=0;");
        // 1/6 of a token came back during the minute; the rest of one token takes 300 s at 10 per hour.
        refused.Header("Retry-After").ShouldBe("300");

        clock.Advance(TimeSpan.FromMinutes(4));
        (await client.GetWithKeyAsync(secret)).StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        clock.Advance(TimeSpan.FromMinutes(1));
        (await client.GetWithKeyAsync(secret)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Refused_requests_do_not_consume_tokens()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var gateway = new GatewayFactory(Upstream, clock);
        using var client = gateway.CreateClient();
        var (secret, _) = Upstream.AddKey();

        (await AdmittedInARowAsync(client, secret)).ShouldBe(100);
        for (var i = 0; i < 20; i++)
        {
            (await client.GetWithKeyAsync(secret)).StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        }

        clock.Advance(TimeSpan.FromSeconds(6));
        (await AdmittedInARowAsync(client, secret)).ShouldBe(10);
    }

    [Theory]
    [InlineData(null, 110, 100, "1000")]
    [InlineData("professional", 310, 300, "5000")]
    public async Task User_tokens_are_limited_per_user_on_the_plan_they_carry(string? plan, int requests, int admitted, string hourlyLimit)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var gateway = new GatewayFactory(Upstream, clock);
        using var client = gateway.CreateClient();
        var userId = Ids.New("usr");
        var organisationId = Ids.New("org");

        var responses = await Task.WhenAll(Enumerable.Range(0, requests)
            .Select(_ => client.GetWithBearerAsync(Upstream.Jwks.Mint(userId, organisationId, plan: plan, clock: clock))));

        responses.Count(r => r.StatusCode == HttpStatusCode.OK).ShouldBe(admitted);
        responses.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests).ShouldBe(requests - admitted);
        responses.First(r => r.StatusCode == HttpStatusCode.OK).Header("X-RateLimit-Limit").ShouldBe(hourlyLimit);
    }

    [Fact]
    public async Task The_public_auth_endpoints_are_limited_per_client_address()
    {
        await using var gateway = new GatewayFactory(Upstream, new FakeTimeProvider(DateTimeOffset.UtcNow), new Dictionary<string, string>
        {
            ["RateLimits:AnonymousRequestsPerMinute"] = "3",
        });
        using var client = gateway.CreateClient();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
            statuses.Add((await client.PostAsync(new Uri("/api/v1/auth/login", UriKind.Relative), content)).StatusCode);
        }

        statuses.ShouldBe([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests]);
        using var last = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        var refused = await client.PostAsync(new Uri("/api/v1/auth/register", UriKind.Relative), last);
        (await refused.ErrorCodeAsync()).ShouldBe("rate_limited");
        int.Parse(refused.Header("Retry-After")).ShouldBeGreaterThanOrEqualTo(1);
    }

    [Fact]
    public async Task Accepting_invitations_is_limited_per_client_address_like_the_other_public_auth_endpoints()
    {
        await using var gateway = new GatewayFactory(Upstream, new FakeTimeProvider(DateTimeOffset.UtcNow), new Dictionary<string, string>
        {
            ["RateLimits:AnonymousRequestsPerMinute"] = "2",
        });
        using var client = gateway.CreateClient();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var content = new StringContent("{\"token\":\"inv_guess\"}", System.Text.Encoding.UTF8, "application/json");
            statuses.Add((await client.PostAsync(new Uri("/api/v1/auth/accept-invitation", UriKind.Relative), content)).StatusCode);
        }

        statuses.ShouldBe([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests]);
    }

    [Fact]
    public async Task Behind_a_trusted_proxy_each_forwarded_client_address_has_its_own_limit()
    {
        await using var gateway = BehindProxy(anonymousPerMinute: 2);
        using var client = gateway.CreateClient();
        var one = TestAddresses.NewIPv4().ToString();

        var first = await LoginsFromAsync(client, one, one, one);
        var second = await LoginsFromAsync(client, TestAddresses.NewIPv4().ToString());
        // Entries before the proxy's own are the client's to write, so they change nothing.
        var spoofed = await LoginsFromAsync(client, $"{TestAddresses.NewIPv4()}, {one}");

        first.ShouldBe([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests]);
        second.ShouldBe([HttpStatusCode.OK]);
        spoofed.ShouldBe([HttpStatusCode.TooManyRequests]);
    }

    [Fact]
    public async Task Forwarded_addresses_are_ignored_unless_the_proxy_is_trusted()
    {
        await using var gateway = new GatewayFactory(Upstream, new FakeTimeProvider(DateTimeOffset.UtcNow), new Dictionary<string, string>
        {
            ["RateLimits:AnonymousRequestsPerMinute"] = "2",
        });
        using var client = gateway.CreateClient();

        var statuses = await LoginsFromAsync(client,
            TestAddresses.NewIPv4().ToString(), TestAddresses.NewIPv4().ToString(), TestAddresses.NewIPv4().ToString());

        statuses.ShouldBe([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests]);
    }

    [Fact]
    public async Task Addresses_in_one_IPv6_64_share_a_limit_and_the_next_64_has_its_own()
    {
        await using var gateway = BehindProxy(anonymousPerMinute: 2);
        using var client = gateway.CreateClient();
        var network = TestAddresses.NewIPv6Network();

        var sameNetwork = await LoginsFromAsync(client,
            network.ToString(), TestAddresses.InNetwork(network, 0xdead_beef).ToString(), TestAddresses.InNetwork(network, ulong.MaxValue).ToString());
        var nextNetwork = await LoginsFromAsync(client, TestAddresses.NextNetwork(network).ToString());

        sameNetwork.ShouldBe([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests]);
        nextNetwork.ShouldBe([HttpStatusCode.OK]);
    }

    [Fact]
    public async Task An_IPv4_client_seen_as_an_IPv4_mapped_IPv6_address_keeps_its_own_limit()
    {
        await using var gateway = BehindProxy(anonymousPerMinute: 2);
        using var client = gateway.CreateClient();
        var address = TestAddresses.NewIPv4();

        var statuses = await LoginsFromAsync(client, address.ToString(), address.MapToIPv6().ToString(), address.ToString());

        statuses.ShouldBe([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests]);
    }

    [Fact]
    public async Task Two_gateways_sharing_Redis_share_each_client_addresss_limit()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var proxy = TestAddresses.NewIPv4();
        await using var first = BehindProxy(anonymousPerMinute: 3, clock, proxy);
        await using var second = BehindProxy(anonymousPerMinute: 3, clock, proxy);
        using var firstClient = first.CreateClient();
        using var secondClient = second.CreateClient();
        var address = TestAddresses.NewIPv6Network().ToString();

        List<HttpStatusCode> statuses = [];
        foreach (var client in new[] { firstClient, secondClient, firstClient, secondClient })
        {
            statuses.AddRange(await LoginsFromAsync(client, address));
        }

        statuses.ShouldBe([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests]);
    }

    [Fact]
    public async Task A_refused_address_is_told_when_to_retry_and_is_admitted_again_once_its_bucket_refills()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var gateway = BehindProxy(anonymousPerMinute: 2, clock);
        using var client = gateway.CreateClient();
        var address = TestAddresses.NewIPv4().ToString();

        (await LoginsFromAsync(client, address, address)).ShouldAllBe(status => status == HttpStatusCode.OK);
        var refused = await LoginFromAsync(client, address);
        clock.Advance(TimeSpan.FromSeconds(29));
        var early = await LoginFromAsync(client, address);
        clock.Advance(TimeSpan.FromSeconds(1));
        var onTime = await LoginFromAsync(client, address);

        refused.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        (await refused.ErrorCodeAsync()).ShouldBe("rate_limited");
        refused.Header("Retry-After").ShouldBe("30");
        refused.Header("X-RateLimit-Limit").ShouldBe("2");
        refused.Header("X-RateLimit-Remaining").ShouldBe("0");
        refused.Header("RateLimit-Policy").ShouldBe("\"minute\";q=2;w=60");
        early.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        onTime.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    /// <summary>A gateway whose own peer is a trusted proxy, so each request names its client in X-Forwarded-For.</summary>
    private GatewayFactory BehindProxy(int anonymousPerMinute, FakeTimeProvider? clock = null, IPAddress? proxy = null)
    {
        proxy ??= TestAddresses.NewIPv4();
        return new GatewayFactory(Upstream, clock ?? new FakeTimeProvider(DateTimeOffset.UtcNow), new Dictionary<string, string>
        {
            ["RateLimits:AnonymousRequestsPerMinute"] = anonymousPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Gateway:TrustedProxies:0"] = proxy.ToString(),
        }, proxy);
    }

    private static async Task<HttpResponseMessage> LoginFromAsync(HttpClient client, string forwardedFor)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/v1/auth/login", UriKind.Relative))
        {
            Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        return await client.SendAsync(request);
    }

    private static async Task<List<HttpStatusCode>> LoginsFromAsync(HttpClient client, params string[] forwardedFor)
    {
        var statuses = new List<HttpStatusCode>();
        foreach (var chain in forwardedFor)
        {
            statuses.Add((await LoginFromAsync(client, chain)).StatusCode);
        }

        return statuses;
    }

    private static async Task<int> AdmittedInARowAsync(HttpClient client, string secret)
    {
        var admitted = 0;
        while ((await client.GetWithKeyAsync(secret)).StatusCode == HttpStatusCode.OK)
        {
            admitted++;
        }

        return admitted;
    }
}
