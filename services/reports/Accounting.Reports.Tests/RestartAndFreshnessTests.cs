using Accounting.Testing;
using Microsoft.Extensions.DependencyInjection;
using static Accounting.Reports.Tests.TestLine;

namespace Accounting.Reports.Tests;

[Collection(nameof(ReportsHosts))]
public sealed class RestartTests
{
    [Fact]
    public async Task Figures_are_the_same_after_a_restart_with_redeliveries_and_entries_out_of_order()
    {
        var ledger = new StubLedgerFeed();
        var before = new ReportsFactory { Ledger = ledger };
        await ((IAsyncLifetime)before).InitializeAsync();
        var after = new ReportsFactory { Ledger = ledger, ConnectionString = before.Database.ConnectionString };
        try
        {
            using var books = before.NewOrganisation();
            var entries = Enumerable.Range(1, 15).Select(i => books.Entry(new DateOnly(2026, 3, i), Dr(TestAccount.Bank, i * 10.01m), Cr(TestAccount.Sales, i * 10.01m))).ToList();
            await books.PublishAsync([.. entries.Take(10)]);
            await books.AppliedUpToAsync(10);
            await before.DisposeAsync();

            await ((IAsyncLifetime)after).InitializeAsync();
            using var client = after.CreateClientFor(TestIdentity.Caller(books.OrganisationId, "reports:read"));
            var bus = after.Services.GetRequiredService<MassTransit.IBus>();
            foreach (var entry in entries.Skip(10).Reverse().Concat(entries.Take(10).Select(e => e with { EventId = Guid.CreateVersion7() })))
            {
                await bus.Publish(entry);
            }

            var applied = await Eventually.HoldsAsync(
                async () => await after.ScalarAsync<long>("SELECT applied_sequence FROM organisations WHERE organisation_id = @Id", new { Id = books.OrganisationId }) == 15,
                TimeSpan.FromSeconds(60));
            applied.ShouldBeTrue();
            var report = await Api.ExpectAsync(await client.GetAsync(new Uri("/api/v1/reports/profit-loss?from=2026-01-01&to=2026-12-31", UriKind.Relative)), System.Net.HttpStatusCode.OK);

            report.Number("net_profit").ShouldBe(Enumerable.Range(1, 15).Sum(i => i * 10.01m));
            (report.GetProperty("ledger_position").GetInt64(), report.GetProperty("complete").GetBoolean()).ShouldBe((15, true));
            (await after.ScalarAsync<long>("SELECT count(*) FROM journal_lines WHERE organisation_id = @Id", new { Id = books.OrganisationId })).ShouldBe(30);
        }
        finally
        {
            await ((IAsyncLifetime)after).DisposeAsync();
            await ((IAsyncLifetime)before).DisposeAsync();
        }
    }
}

[Collection(nameof(ReportsHosts))]
public sealed class FreshnessTests(ReportsFactory factory) : IClassFixture<ReportsFactory>
{
    [Fact]
    public async Task A_report_asked_for_before_the_events_arrive_waits_for_them_and_is_complete()
    {
        using var books = factory.NewOrganisation();
        var entries = Enumerable.Range(1, 3).Select(i => books.Entry(new DateOnly(2026, 4, i), Dr(TestAccount.Bank, 25m), Cr(TestAccount.Sales, 25m))).ToArray();

        var report = books.GetAsync("/api/v1/reports/trial-balance?as_of=2026-12-31");
        await books.PublishAsync(entries);

        var answer = await report;
        (answer.GetProperty("ledger_position").GetInt64(), answer.GetProperty("complete").GetBoolean()).ShouldBe((3, true));
        answer.Number("total_debit").ShouldBe(75m);
    }

    [Fact]
    public async Task A_report_still_behind_when_the_wait_is_over_says_so_and_by_how_much()
    {
        using var books = factory.NewOrganisation();
        await books.PublishAsync(Enumerable.Range(1, 3).Select(i => books.Entry(new DateOnly(2026, 4, i), Dr(TestAccount.Bank, 25m), Cr(TestAccount.Sales, 25m))).ToArray());
        await books.AppliedUpToAsync(3);
        factory.Ledger.ClaimPosition(books.OrganisationId, 5);

        var report = books.GetAsync("/api/v1/reports/trial-balance?as_of=2026-12-31");
        var answered = await Eventually.HoldsAsync(() =>
        {
            factory.Clock.Advance(TimeSpan.FromSeconds(1));
            return report.IsCompleted;
        }, TimeSpan.FromSeconds(60));

        answered.ShouldBeTrue();
        var answer = await report;
        (answer.GetProperty("ledger_position").GetInt64(), answer.GetProperty("complete").GetBoolean(), answer.GetProperty("behind_by").GetInt64()).ShouldBe((3, false, 2));
        answer.Number("total_debit").ShouldBe(75m);
    }
}
