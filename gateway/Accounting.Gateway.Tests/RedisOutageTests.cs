using System.Net;
using Accounting.Gateway.RateLimiting;
using Accounting.Testing;
using StackExchange.Redis;
using Microsoft.Extensions.Time.Testing;

namespace Accounting.Gateway.Tests;

[Trait("Category", DevServers.DisruptiveCategory)]
public sealed class RedisOutageTests(UpstreamFixture fixture) : IClassFixture<UpstreamFixture>
{
    private StubUpstream Upstream => fixture.Upstream;

    [Fact]
    public async Task Requests_keep_flowing_under_the_local_limiter_while_Redis_is_down_and_Redis_limits_resume_when_it_returns()
    {
        // Frozen: the local buckets must not refill while 120 requests are in flight.
        await using var gateway = new GatewayFactory(Upstream, new FakeTimeProvider(DateTimeOffset.UtcNow));
        using var client = gateway.CreateClient();
        var (secret, _) = Upstream.AddKey();
        (await client.GetWithKeyAsync(secret)).StatusCode.ShouldBe(HttpStatusCode.OK);

        try
        {
            await DevServers.StopAsync("redis");

            var duringOutage = await Task.WhenAll(Enumerable.Range(0, 120).Select(_ => client.GetWithKeyAsync(secret)));

            // The replica's own buckets start full: the same limits, enforced locally.
            duringOutage.Count(r => r.StatusCode == HttpStatusCode.OK).ShouldBe(100);
            duringOutage.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests).ShouldBe(20);
        }
        finally
        {
            await DevServers.StartAsync("redis");
        }

        var (freshSecret, freshKey) = Upstream.AddKey();
        using var redis = await ConnectionMultiplexer.ConnectAsync(TestEnvironment.Redis);
        var resumed = await Eventually.HoldsAsync(
            async () =>
            {
                var response = await client.GetWithKeyAsync(freshSecret);
                return response.StatusCode == HttpStatusCode.OK
                    && await redis.GetDatabase().KeyExistsAsync(GatewayRateLimiter.KeyPrefix + freshKey.KeyId);
            },
            TimeSpan.FromSeconds(30));
        resumed.ShouldBeTrue();
    }
}
