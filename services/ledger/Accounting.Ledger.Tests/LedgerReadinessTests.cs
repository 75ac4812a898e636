using System.Net;
using System.Text.Json;
using Accounting.Testing;

namespace Accounting.Ledger.Tests;

[Trait("Category", DevServers.DisruptiveCategory)]
public sealed class LedgerReadinessTests(LedgerFactory factory) : IClassFixture<LedgerFactory>
{
    [Fact]
    public async Task Ready_turns_unhealthy_while_Postgres_is_stopped_and_healthy_when_it_returns()
    {
        using var client = factory.CreateClient();
        (await client.GetAsync(new Uri("/health/ready", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.OK);

        try
        {
            await DevServers.StopAsync("postgres");

            var down = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));

            down.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
            using var body = JsonDocument.Parse(await down.Content.ReadAsStringAsync());
            body.RootElement.GetProperty("error").GetProperty("code").GetString().ShouldBe("service_unavailable");
            var message = body.RootElement.GetProperty("error").GetProperty("message").GetString()!;
            message.ShouldContain("postgres");
            // The readiness endpoint is public through the gateway: no server address in the answer.
            message.ShouldNotContain("127.0.0.1");
            (await client.GetAsync(new Uri("/health/live", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        finally
        {
            await DevServers.StartAsync("postgres");
        }

        var recovered = await Eventually.HoldsAsync(
            async () => (await client.GetAsync(new Uri("/health/ready", UriKind.Relative))).StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(30));
        recovered.ShouldBeTrue();
    }
}
