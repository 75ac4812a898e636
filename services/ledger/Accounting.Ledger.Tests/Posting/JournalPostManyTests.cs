using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Accounting.Ledger.Posting;
using Accounting.Testing;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Accounting.Ledger.Tests.Posting;

public sealed class JournalPostManyTests(LedgerFactory factory) : IClassFixture<LedgerFactory>
{
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 7, 1, 9, 0, 0, TimeSpan.Zero));

    private NpgsqlDataSource Db => factory.Services.GetRequiredService<NpgsqlDataSource>();

    [Fact]
    public async Task Entries_posted_together_take_consecutive_sequences_and_their_events_in_that_order()
    {
        using var org = await Organisation.CreateAsync(factory);
        await org.PostExpectingAsync("/api/v1/journal-entries", Organisation.Entry("2026-03-01",
            Organisation.Debit(org.Account("469"), 1m), Organisation.Credit(org.Account("090"), 1m)), HttpStatusCode.Created);

        var postings = Enumerable.Range(1, 5).Select(n => Posting(org, new DateOnly(2026, 3, n), n * 10m, $"Bulk {n}")).ToList();
        var posted = await PostManyAsync(org, postings, commit: true);

        posted.ShouldAllBe(p => p.Error == null);
        posted.Select(p => p.Value!.Sequence).ShouldBe([2L, 3, 4, 5, 6]);
        posted.Select(p => p.Value!.Description).ShouldBe(postings.Select(p => p.Description));
        var events = await PostedEventsAsync(org.Id);
        events.Select(e => e.Sequence).ShouldBe([1L, 2, 3, 4, 5, 6]);
        events.Skip(1).Select(e => e.AggregateId).ShouldBe(posted.Select(p => p.Value!.Id));
        events.Skip(1).Select(e => e.Total).ShouldBe([10m, 20m, 30m, 40m, 50m]);
        (await org.GetAsync($"/api/v1/journal-entries/{posted[2].Value!.Id}")).GetProperty("lines").GetArrayLength().ShouldBe(2);
    }

    [Fact]
    public async Task A_posting_the_rules_refuse_gets_its_error_in_its_place_and_the_others_are_posted_without_a_gap()
    {
        using var org = await Organisation.CreateAsync(factory);
        using var other = await Organisation.CreateAsync(factory);
        await Api.ExpectAsync(await org.Client.PostAsJsonAsync("/api/v1/periods/close", new { period_end = "2026-01-31" }), HttpStatusCode.OK);

        var posted = await PostManyAsync(org,
        [
            Posting(org, new DateOnly(2026, 2, 1), 10m, "Fine"),
            Posting(org, new DateOnly(2026, 1, 15), 10m, "In the closed period"),
            Posting(org, new DateOnly(2026, 2, 2), 10m, "Another organisation's account") with
            {
                Lines = [new PostingLine(other.Account("469"), 10m, 0, null), new PostingLine(org.Account("090"), 0, 10m, null)],
            },
            Posting(org, new DateOnly(2026, 2, 3), 10m, "Unbalanced") with
            {
                Lines = [new PostingLine(org.Account("469"), 10m, 0, null), new PostingLine(org.Account("090"), 0, 9m, null)],
            },
            Posting(org, new DateOnly(2026, 2, 4), 20m, "Also fine"),
        ], commit: true);

        posted[0].Value!.Sequence.ShouldBe(1);
        posted[1].Error!.Status.ShouldBe(409);
        posted[2].Error!.Status.ShouldBe(422);
        posted[3].Error!.Status.ShouldBe(422);
        posted[4].Value!.Sequence.ShouldBe(2);
        (await PostedEventsAsync(org.Id)).Select(e => e.Sequence).ShouldBe([1L, 2]);
        (await org.ScalarAsync<long>("SELECT count(*) FROM journal_entries WHERE organisation_id = @Id")).ShouldBe(2);
    }

    [Fact]
    public async Task A_rolled_back_batch_leaves_no_entry_no_event_and_gives_its_numbers_back()
    {
        using var org = await Organisation.CreateAsync(factory);

        await PostManyAsync(org, [.. Enumerable.Range(1, 1500).Select(n => Posting(org, new DateOnly(2026, 4, 1), n, $"Rolled back {n}"))], commit: false);
        var after = await org.PostExpectingAsync("/api/v1/journal-entries", Organisation.Entry("2026-04-02",
            Organisation.Debit(org.Account("469"), 1m), Organisation.Credit(org.Account("090"), 1m)), HttpStatusCode.Created);

        after.GetProperty("sequence").GetInt64().ShouldBe(1);
        (await org.ScalarAsync<long>("SELECT count(*) FROM journal_entries WHERE organisation_id = @Id")).ShouldBe(1);
        (await PostedEventsAsync(org.Id)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task Batches_and_single_postings_at_once_keep_the_series_gapless_and_each_batch_consecutive()
    {
        using var org = await Organisation.CreateAsync(factory);

        var batches = Enumerable.Range(0, 4).Select(b => Task.Run(() => PostManyAsync(org,
            [.. Enumerable.Range(1, 300).Select(n => Posting(org, new DateOnly(2026, 5, 1), n, $"Batch {b} entry {n}"))], commit: b != 3))).ToList();
        var singles = Enumerable.Range(1, 20).Select(n => Task.Run(() => org.PostAsync("/api/v1/journal-entries", Organisation.Entry("2026-05-02",
            Organisation.Debit(org.Account("469"), n), Organisation.Credit(org.Account("090"), n))))).ToList();
        await Task.WhenAll(batches);
        foreach (var single in singles)
        {
            await Api.ExpectAsync(await single, HttpStatusCode.Created);
        }

        var sequences = (await SequencesAsync(org.Id)).ToList();
        sequences.ShouldBe([.. Enumerable.Range(1, (3 * 300) + 20).Select(n => (long)n)]);
        foreach (var batch in batches.Take(3))
        {
            var numbers = (await batch).Select(p => p.Value!.Sequence).ToList();
            numbers.ShouldBe([.. Enumerable.Range(0, 300).Select(n => numbers[0] + n)]);
        }

        (await PostedEventsAsync(org.Id)).Select(e => e.Sequence).Order().ShouldBe(sequences);
    }

    private static JournalPosting Posting(Organisation org, DateOnly date, decimal amount, string description) => new(
        date, "GBP", description, null, JournalSources.Manual, null,
        [new PostingLine(org.Account("469"), amount, 0, null), new PostingLine(org.Account("090"), 0, amount, null)]);

    private async Task<IReadOnlyList<Outcome<JournalEntryView>>> PostManyAsync(Organisation org, IReadOnlyList<JournalPosting> postings, bool commit)
    {
        await using var connection = await Db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var posted = await Journal.PostManyAsync(transaction, TestIdentity.Caller(org.Id, "journals:write"), postings, clock, CancellationToken.None);
        if (commit)
        {
            await transaction.CommitAsync();
        }
        else
        {
            await transaction.RollbackAsync();
        }

        return posted;
    }

    private sealed record PostedEvent(string AggregateId, long Sequence, decimal Total);

    /// <summary>The organisation's journal_entry.posted events in outbox order, with the sequence and total their payloads carry.</summary>
    private async Task<List<PostedEvent>> PostedEventsAsync(string organisationId)
    {
        await using var connection = await Db.OpenConnectionAsync();
        var rows = await connection.QueryAsync<(string AggregateId, string Payload)>(
            "SELECT aggregate_id, payload::text FROM outbox_messages WHERE organisation_id = @organisationId AND event_type = 'journal_entry.posted' ORDER BY id",
            new { organisationId });
        return [.. rows.Select(r =>
        {
            var payload = JsonDocument.Parse(r.Payload).RootElement;
            var total = payload.GetProperty("lines").EnumerateArray().Sum(l => l.GetProperty("debit").GetDecimal());
            return new PostedEvent(r.AggregateId, payload.GetProperty("sequence").GetInt64(), total);
        })];
    }

    private async Task<IEnumerable<long>> SequencesAsync(string organisationId)
    {
        await using var connection = await Db.OpenConnectionAsync();
        return await connection.QueryAsync<long>(
            "SELECT sequence FROM journal_entries WHERE organisation_id = @organisationId ORDER BY sequence", new { organisationId });
    }
}
