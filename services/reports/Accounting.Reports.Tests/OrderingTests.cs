using System.Text.Json;
using Accounting.Testing;
using Accounting.Contracts.Auth;
using Accounting.Contracts.Ledger;
using Accounting.Reports.ReadModel;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using static Accounting.Reports.Tests.TestLine;

namespace Accounting.Reports.Tests;

[Collection(nameof(ReportsHosts))]
public sealed class OrderingTests(ReportsFactory factory) : IClassFixture<ReportsFactory>
{
    private const string TrialBalance = "/api/v1/reports/trial-balance?as_of=2026-12-31";

    [Fact]
    public async Task Entries_delivered_twice_and_out_of_order_give_the_figures_of_delivery_in_order()
    {
        using var inOrder = factory.NewOrganisation();
        using var shuffled = factory.NewOrganisation();
        var random = new Random(15);
        var amounts = Enumerable.Range(0, 40).Select(_ => random.Next(1, 100_000) / 100m).ToList();
        foreach (var books in new[] { inOrder, shuffled })
        {
            foreach (var (amount, day) in amounts.Select((a, i) => (a, i)))
            {
                books.Entry(new DateOnly(2026, 1, 1).AddDays(day * 3), Dr(day % 2 == 0 ? TestAccount.Bank : TestAccount.Rent, amount), Cr(day % 3 == 0 ? TestAccount.Sales : TestAccount.Capital, amount));
            }
        }

        await inOrder.PublishAsync([.. await factory.Ledger.EntriesAsync(inOrder.OrganisationId, 0, default).ToListAsync()]);
        var entries = await factory.Ledger.EntriesAsync(shuffled.OrganisationId, 0, default).ToListAsync();
        // Every entry twice: once as published, once as a new event (a redelivery the inbox cannot recognise).
        var deliveries = entries.Concat(entries.Select(e => e with { EventId = Guid.CreateVersion7() })).OrderBy(_ => random.Next()).ToArray();
        await shuffled.PublishAsync(deliveries);
        await inOrder.AppliedUpToAsync(40);
        await shuffled.AppliedUpToAsync(40);

        var expected = await inOrder.GetAsync(TrialBalance);
        var actual = await shuffled.GetAsync(TrialBalance);

        Figures(actual).ShouldBe(Figures(expected));
        expected.Number("total_debit").ShouldBe(amounts.Sum());
        (await factory.ScalarAsync<long>("SELECT count(*) FROM pending_entries WHERE organisation_id = @Id", new { Id = shuffled.OrganisationId })).ShouldBe(0);
    }

    [Fact]
    public async Task Malformed_entries_never_touch_a_balance_and_the_gap_they_leave_is_fetched_from_the_ledger()
    {
        using var books = factory.NewOrganisation();
        var first = books.Entry(new(2026, 2, 1), Dr(TestAccount.Bank, 100m), Cr(TestAccount.Sales, 100m));
        var second = books.Entry(new(2026, 2, 2), Dr(TestAccount.Bank, 40m), Cr(TestAccount.Sales, 40m));
        var third = books.Entry(new(2026, 2, 3), Dr(TestAccount.Rent, 7.5m), Cr(TestAccount.Bank, 7.5m));
        var unbalanced = second with { EventId = Guid.CreateVersion7(), Lines = [second.Lines[0], second.Lines[1] with { Credit = 4_000m }] };
        var bothSides = second with { EventId = Guid.CreateVersion7(), Lines = [second.Lines[0] with { Credit = 40m }, second.Lines[1]] };
        var negative = second with { EventId = Guid.CreateVersion7(), Lines = [second.Lines[0] with { Debit = -40m }, second.Lines[1] with { Credit = -40m }] };
        var noSequence = third with { EventId = Guid.CreateVersion7(), Sequence = 0 };

        await books.PublishAsync(first, unbalanced, bothSides, negative, noSequence, third);
        await books.AppliedUpToAsync(1);
        var parked = await Eventually.HoldsAsync(
            async () => await factory.ScalarAsync<long>("SELECT count(*) FROM pending_entries WHERE organisation_id = @Id", new { Id = books.OrganisationId }) == 1,
            TimeSpan.FromSeconds(30));
        parked.ShouldBeTrue();
        (await books.AppliedAsync()).ShouldBe(1);

        factory.Clock.Advance(TimeSpan.FromMinutes(2));
        await factory.Services.GetRequiredService<GapFiller>().FillAsync(default);
        await books.AppliedUpToAsync(3);

        var report = await books.GetAsync(TrialBalance);
        Figures(report).ShouldBe([("090", 132.5m, 0m), ("200", 0m, 140m), ("469", 7.5m, 0m)]);
    }

    [Fact]
    public async Task An_entry_before_organisation_created_counts_and_settings_follow_the_newest_version_only()
    {
        using var books = factory.NewOrganisation();
        var bus = factory.Services.GetRequiredService<IBus>();
        await books.PublishAsync(
            books.Entry(new(2026, 2, 1), Dr(TestAccount.Bank, 100m), Cr(TestAccount.Sales, 100m)),
            books.Entry(new(2026, 5, 1), Dr(TestAccount.Bank, 30m), Cr(TestAccount.Sales, 30m)));
        await books.AppliedUpToAsync(2);
        var beforeCreated = await books.GetAsync("/api/v1/reports/balance-sheet?as_of=2026-06-15");

        // The year ending 03-31 is version 3; version 2 (year end 09-30) arrives after it and is ignored.
        await bus.Publish(new OrganisationCreated { OrganisationId = books.OrganisationId, Name = "Acme", Plan = "free", CreatedBy = "usr_1" });
        await bus.Publish(new OrganisationUpdated { OrganisationId = books.OrganisationId, Name = "Acme", Plan = "free", UpdatedBy = "usr_1", Version = 3, Settings = new OrganisationSettings { FinancialYearEnd = "03-31" } });
        var updated = await Eventually.HoldsAsync(
            async () => await factory.ScalarAsync<long>("SELECT settings_version FROM organisations WHERE organisation_id = @Id", new { Id = books.OrganisationId }) == 3,
            TimeSpan.FromSeconds(30));
        updated.ShouldBeTrue();
        await bus.Publish(new OrganisationUpdated { OrganisationId = books.OrganisationId, Name = "Acme", Plan = "free", UpdatedBy = "usr_1", Version = 2, Settings = new OrganisationSettings { FinancialYearEnd = "09-30" } });
        await bus.Publish(new OrganisationCreated { OrganisationId = books.OrganisationId, Name = "Acme", Plan = "free", CreatedBy = "usr_1" });
        var handled = await Eventually.HoldsAsync(
            async () => await factory.ScalarAsync<long>("SELECT count(*) FROM inbox_messages WHERE consumer LIKE '%Organisation%'") >= 4,
            TimeSpan.FromSeconds(30));
        handled.ShouldBeTrue();
        var afterUpdates = await books.GetAsync("/api/v1/reports/balance-sheet?as_of=2026-06-15");

        beforeCreated.GetProperty("equity").Lines().ShouldBe([("Current year earnings", 130m), ("Earlier years' earnings", 0m)]);
        afterUpdates.GetProperty("equity").Lines().ShouldBe([("Current year earnings", 30m), ("Earlier years' earnings", 100m)]);
        (await factory.ScalarAsync<string>("SELECT financial_year_end FROM organisations WHERE organisation_id = @Id", new { Id = books.OrganisationId })).ShouldBe("03-31");
    }

    [Fact]
    public async Task A_rebuild_while_live_events_keep_arriving_gives_the_live_figures_without_double_counting()
    {
        using var books = factory.NewOrganisation();
        var random = new Random(7);
        var entries = Enumerable.Range(0, 120).Select(i =>
        {
            var amount = random.Next(1, 50_000) / 100m;
            return books.Entry(new DateOnly(2025, 1, 1).AddDays(i * 5), Dr(i % 4 == 0 ? TestAccount.CostOfSales : TestAccount.Bank, amount), Cr(TestAccount.Sales, amount));
        }).ToList();
        await books.PublishAsync([.. entries.Take(60)]);
        await books.AppliedUpToAsync(60);

        var rebuild = factory.Services.GetRequiredService<Replay>().RebuildAsync(books.OrganisationId, default);
        await books.PublishAsync([.. entries.Skip(60)]);
        (await rebuild).ShouldBeGreaterThanOrEqualTo(120);
        await books.AppliedUpToAsync(120);

        var report = await books.GetAsync(TrialBalance);
        report.Number("total_credit").ShouldBe(entries.Sum(e => e.Lines[1].Credit));
        Figures(report).Single(f => f.Code == "200").Credit.ShouldBe(entries.Sum(e => e.Lines[1].Credit));
        (await factory.ScalarAsync<long>("SELECT count(*) FROM journal_lines WHERE organisation_id = @Id", new { Id = books.OrganisationId })).ShouldBe(240);
    }

    internal static IReadOnlyList<(string Code, decimal Debit, decimal Credit)> Figures(JsonElement trialBalance) =>
        [.. trialBalance.GetProperty("accounts").EnumerateArray().Select(a => (a.Text("code"), a.Number("debit"), a.Number("credit")))];
}

internal static class AsyncEnumerables
{
    public static async Task<List<T>> ToListAsync<T>(this IAsyncEnumerable<T> source)
    {
        var list = new List<T>();
        await foreach (var item in source)
        {
            list.Add(item);
        }

        return list;
    }
}
