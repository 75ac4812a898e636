using Accounting.Testing;
using Dapper;

namespace Accounting.Platform.Tests;

/// <summary>Rows the relay can never publish: counted, parked, and no brake on anyone else.</summary>
public sealed class OutboxPoisonTests(OutboxHost host) : IClassFixture<OutboxHost>
{
    private const int MaxPublishAttempts = 5; // OutboxOptions' default
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Poison_rows_are_parked_with_their_attempts_while_other_aggregates_flow_without_backoff()
    {
        // More poison than a batch holds, of both kinds: a type nobody knows and a payload that no longer reads.
        var poison = new List<Guid>();
        for (var index = 0; index < 220; index++)
        {
            poison.Add(index % 2 == 0
                ? await InsertRawAsync($"agg_poison_{index}", "test.vanished")
                : await InsertRawAsync($"agg_poison_{index}", "test.happened", unreadablePayload: """{"sequence": "not a number"}"""));
        }

        var healthy = new List<Guid>();
        for (var sequence = 0; sequence < 40; sequence++)
        {
            healthy.Add((await host.WriteAsync($"agg_healthy_{sequence % 10}", sequence)).EventId);
        }

        (await Eventually.HoldsAsync(() => healthy.All(host.Deliveries.ContainsKey), Deadline)).ShouldBeTrue();
        (await Eventually.HoldsAsync(async () => (await ParkedAsync(poison)).Count == poison.Count, Deadline)).ShouldBeTrue();

        host.Measured("outbox.relay.backoffs").ShouldBe(0);
        host.Measured("outbox.parked").ShouldBe(poison.Count);
        (await ParkedAsync(poison)).ShouldAllBe(row => row.FailedAttempts == MaxPublishAttempts && row.LastError != null && row.PublishedAt == null);
    }

    [Fact]
    public async Task A_parked_row_holds_back_its_aggregate_until_an_operator_republishes_it_then_both_arrive_in_order()
    {
        var stuck = await InsertRawAsync("agg_stuck", "test.vanished");
        var behind = await host.WriteAsync("agg_stuck", 2);
        var elsewhere = await host.WriteAsync("agg_unaffected", 1);

        (await Eventually.HoldsAsync(async () => (await ParkedAsync([stuck])).Count == 1, Deadline)).ShouldBeTrue();
        (await Eventually.HoldsAsync(() => host.Deliveries.ContainsKey(elsewhere.EventId), Deadline)).ShouldBeTrue();
        await using var connection = await host.DataSource.OpenConnectionAsync();
        var held = await connection.QuerySingleAsync<OutboxRow>(
            "SELECT event_id, failed_attempts, last_error, published_at FROM outbox_messages WHERE event_id = @EventId", new { behind.EventId });
        held.FailedAttempts.ShouldBe(0);
        held.PublishedAt.ShouldBeNull();
        host.Deliveries.ShouldNotContainKey(behind.EventId);

        // The operator fixes the cause (here: the type it should have had), then re-publishes as the migration describes.
        await connection.ExecuteAsync(
            """
            UPDATE outbox_messages SET event_type = 'test.happened' WHERE event_id = @Stuck;
            UPDATE outbox_messages SET parked_at = NULL, failed_attempts = 0 WHERE event_id = @Stuck;
            SELECT pg_notify('outbox', '');
            """,
            new { Stuck = stuck });

        (await Eventually.HoldsAsync(async () => (await host.HandledAsync()).ContainsKey(behind.EventId), Deadline)).ShouldBeTrue();
        var handledOrder = (await connection.QueryAsync<Guid>(
            "SELECT event_id FROM handled_events WHERE event_id = ANY(@Ids) ORDER BY ctid", new { Ids = new[] { stuck, behind.EventId } })).AsList();
        handledOrder.ShouldBe([stuck, behind.EventId]);
    }

    private sealed record OutboxRow(Guid EventId, int FailedAttempts, string? LastError, DateTime? PublishedAt);

    /// <summary>A row as a buggy or older writer might have left it: what the relay must cope with.</summary>
    private async Task<Guid> InsertRawAsync(string aggregateId, string eventType, string? unreadablePayload = null)
    {
        var eventId = Guid.NewGuid();
        var payload = unreadablePayload ?? $$"""{"event_id": "{{eventId}}", "organisation_id": "org_outbox", "occurred_at": "2026-01-01T00:00:00Z", "sequence": 1}""";
        await using var connection = await host.DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync(
            """
            INSERT INTO outbox_messages (event_id, event_type, event_version, organisation_id, aggregate_id, payload, occurred_at)
            VALUES (@EventId, @EventType, 1, 'org_outbox', @AggregateId, @Payload::jsonb, now());
            SELECT pg_notify('outbox', '');
            """,
            new { EventId = eventId, EventType = eventType, AggregateId = aggregateId, Payload = payload });
        return eventId;
    }

    private async Task<List<OutboxRow>> ParkedAsync(IEnumerable<Guid> eventIds)
    {
        await using var connection = await host.DataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<OutboxRow>(
            "SELECT event_id, failed_attempts, last_error, published_at FROM outbox_messages WHERE event_id = ANY(@Ids) AND parked_at IS NOT NULL",
            new { Ids = eventIds.ToArray() })).AsList();
    }
}
