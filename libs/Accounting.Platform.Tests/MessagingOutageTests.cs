using Accounting.Testing;
using Npgsql;

namespace Accounting.Platform.Tests;

/// <summary>Each outage test stops a server every other test of the run needs, so they never overlap.</summary>
[CollectionDefinition(nameof(ServerOutages), DisableParallelization = true)]
public sealed class ServerOutages;

[Collection(nameof(ServerOutages))]
[Trait("Category", DevServers.DisruptiveCategory)]
public sealed class MessagingOutageTests(OutboxHost host) : IClassFixture<OutboxHost>
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Events_consumed_while_the_consumers_PostgreSQL_is_down_are_redelivered_and_handled_once_never_dead_lettered()
    {
        var published = new List<Guid>();
        await DevServers.StopAsync("postgres");
        try
        {
            // The outbox needs the database too, so the stream during the outage comes straight from the bus.
            for (var round = 0; round < 10; round++)
            {
                for (var sequence = 0; sequence < 10; sequence++)
                {
                    var happened = new TestHappened { OrganisationId = "org_outbox", Sequence = round * 10 + sequence };
                    await host.Bus.Publish(happened);
                    published.Add(happened.EventId);
                }

                // The outage itself, which is what this test is about, spread over the stream.
                await Task.Delay(Outage / 10);
            }
        }
        finally
        {
            await DevServers.StartAsync("postgres");
        }

        var allHandled = await Eventually.HoldsAsync(
            async () => await HandledOrNothingAsync() is { } handled && published.All(handled.ContainsKey), TimeSpan.FromMinutes(3));

        allHandled.ShouldBeTrue();
        var handled = await host.HandledAsync();
        published.ShouldAllBe(id => handled[id] == 1);
        host.Measured("messaging.consumer.redeliveries").ShouldBeGreaterThan(0);
        host.Measured("messaging.consumer.dead_lettered").ShouldBe(0);
        (await host.DeadLetteredAsync()).ShouldBe(0u);
    }

    /// <summary>Pooled connections from before the restart fail once each; the poll just tries again.</summary>
    private async Task<Dictionary<Guid, int>?> HandledOrNothingAsync()
    {
        try
        {
            return await host.HandledAsync();
        }
        catch (NpgsqlException)
        {
            return null;
        }
    }
}
