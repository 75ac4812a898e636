using Accounting.Testing;
using Dapper;

namespace Accounting.Platform.Tests;

public sealed class OutboxTests(OutboxHost host) : IClassFixture<OutboxHost>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_committed_event_is_published_once_and_handled_once()
    {
        var happened = await host.WriteAsync("agg_committed", 1);
        // A later event of the same aggregate is published after it: once it arrives, nothing of the first is still in flight.
        var later = await host.WriteAsync("agg_committed", 2);

        // The counting queue consumes concurrently, so the later event may be counted before the first.
        (await Eventually.HoldsAsync(() => host.Deliveries.ContainsKey(happened.EventId) && host.Deliveries.ContainsKey(later.EventId), Deadline)).ShouldBeTrue();
        (await Eventually.HoldsAsync(async () => (await host.HandledAsync()).ContainsKey(later.EventId), Deadline)).ShouldBeTrue();

        host.Deliveries[happened.EventId].ShouldBe(1);
        (await host.HandledAsync())[happened.EventId].ShouldBe(1);
        await using var connection = await host.DataSource.OpenConnectionAsync();
        (await connection.ExecuteScalarAsync<bool>(
            "SELECT published_at IS NOT NULL FROM outbox_messages WHERE event_id = @EventId", new { happened.EventId })).ShouldBeTrue();
    }

    [Fact]
    public async Task A_rolled_back_event_is_never_published()
    {
        var rolledBack = await host.WriteAsync("agg_rolled_back", 1, commit: false);
        var committed = await host.WriteAsync("agg_rolled_back", 2);

        (await Eventually.HoldsAsync(() => host.Deliveries.ContainsKey(committed.EventId), Deadline)).ShouldBeTrue();

        host.Deliveries.ShouldNotContainKey(rolledBack.EventId);
        await using var connection = await host.DataSource.OpenConnectionAsync();
        (await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM outbox_messages WHERE event_id = @EventId", new { rolledBack.EventId })).ShouldBe(0);
    }

    [Fact]
    public async Task Events_of_one_aggregate_arrive_in_the_order_they_were_written()
    {
        var written = new List<Guid>();
        for (var sequence = 0; sequence < 50; sequence++)
        {
            written.Add((await host.WriteAsync("agg_ordered", sequence)).EventId);
        }

        (await Eventually.HoldsAsync(async () => (await host.HandledAsync()).Keys.Intersect(written).Count() == written.Count, Deadline)).ShouldBeTrue();

        await using var connection = await host.DataSource.OpenConnectionAsync();
        var handledOrder = (await connection.QueryAsync<Guid>(
            "SELECT event_id FROM handled_events WHERE event_id = ANY(@Written) ORDER BY ctid", new { Written = written.ToArray() })).AsList();
        handledOrder.ShouldBe(written);
    }
}

[Collection(nameof(ServerOutages))]
[Trait("Category", DevServers.DisruptiveCategory)]
public sealed class OutboxOutageTests(OutboxHost host) : IClassFixture<OutboxHost>
{
    [Fact]
    public async Task Events_written_while_RabbitMQ_is_down_all_arrive_once_after_it_returns()
    {
        var written = new List<Guid>();
        try
        {
            for (var sequence = 0; sequence < 300; sequence++)
            {
                written.Add((await host.WriteAsync($"agg_{sequence % 20}", sequence)).EventId);
            }

            await DevServers.StopAsync("rabbitmq");
            for (var sequence = 300; sequence < 1000; sequence++)
            {
                written.Add((await host.WriteAsync($"agg_{sequence % 20}", sequence)).EventId);
            }

            (await host.UnpublishedAsync()).ShouldBeGreaterThan(0);
        }
        finally
        {
            await DevServers.StartAsync("rabbitmq");
        }

        var allArrived = await Eventually.HoldsAsync(
            async () => (await host.HandledAsync()).Keys.Intersect(written).Count() == written.Count, TimeSpan.FromMinutes(3));

        allArrived.ShouldBeTrue();
        var handled = await host.HandledAsync();
        written.ShouldAllBe(id => handled[id] == 1);
        (await Eventually.HoldsAsync(async () => await host.UnpublishedAsync() == 0, TimeSpan.FromSeconds(30))).ShouldBeTrue();
    }
}
