using Accounting.Messaging;
using Accounting.Testing;
using Dapper;

namespace Accounting.Platform.Tests;

public sealed class OutboxBatchTests(OutboxHost host) : IClassFixture<OutboxHost>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Events_enqueued_together_are_stored_in_the_order_given_across_statements_and_all_published()
    {
        // More than one statement's worth (1,000 rows), interleaving two aggregates as an import interleaves its transactions.
        var events = Enumerable.Range(0, 1500).Select(sequence => new TestHappened { OrganisationId = "org_batch", Sequence = sequence }).ToList();
        await EnqueueAsync(events.Select((e, i) => new OutboxEntry(e, $"agg_batch_{i % 2}")).ToList(), commit: true);

        await using var connection = await host.DataSource.OpenConnectionAsync();
        var stored = (await connection.QueryAsync<Guid>(
            "SELECT event_id FROM outbox_messages WHERE event_id = ANY(@Ids) ORDER BY id", new { Ids = events.Select(e => e.EventId).ToArray() })).AsList();
        stored.ShouldBe(events.Select(e => e.EventId).ToList());

        // Published, every one: the relay's order per aggregate follows the stored order (OutboxTests prove that part).
        var ids = events.Select(e => e.EventId).ToList();
        (await Eventually.HoldsAsync(async () => (await host.HandledAsync()).Keys.Intersect(ids).Count() == ids.Count, Deadline)).ShouldBeTrue();
    }

    [Fact]
    public async Task A_rolled_back_batch_leaves_no_event()
    {
        var events = Enumerable.Range(0, 1200).Select(sequence => new TestHappened { OrganisationId = "org_batch", Sequence = sequence }).ToList();
        await EnqueueAsync(events.Select(e => new OutboxEntry(e, "agg_rolled_back_batch")).ToList(), commit: false);
        var committed = await host.WriteAsync("agg_rolled_back_batch", 1200);

        (await Eventually.HoldsAsync(() => host.Deliveries.ContainsKey(committed.EventId), Deadline)).ShouldBeTrue();
        await using var connection = await host.DataSource.OpenConnectionAsync();
        (await connection.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM outbox_messages WHERE event_id = ANY(@Ids)", new { Ids = events.Select(e => e.EventId).ToArray() })).ShouldBe(0);
        events.ShouldAllBe(e => !host.Deliveries.ContainsKey(e.EventId));
    }

    [Fact]
    public async Task An_empty_batch_writes_nothing()
    {
        await using var connection = await host.DataSource.OpenConnectionAsync();
        var before = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM outbox_messages");
        await EnqueueAsync([], commit: true);
        (await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM outbox_messages")).ShouldBe(before);
    }

    private async Task EnqueueAsync(IReadOnlyList<OutboxEntry> entries, bool commit)
    {
        await using var connection = await host.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await Outbox.EnqueueManyAsync(transaction, entries, CancellationToken.None);
        if (commit)
        {
            await transaction.CommitAsync();
        }
        else
        {
            await transaction.RollbackAsync();
        }
    }
}
