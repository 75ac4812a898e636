using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Accounting.Contracts.Ledger;
using Accounting.Ledger.Posting;
using Accounting.ServiceDefaults.Http;
using Accounting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static Accounting.Ledger.Tests.Organisation;

namespace Accounting.Ledger.Tests;

/// <summary>The internal feed the reports service rebuilds its read model from.</summary>
public sealed class JournalFeedTests(LedgerFactory factory) : IClassFixture<LedgerFactory>
{
    private static string PositionPath(string organisationId) => $"/internal/organisations/{organisationId}/journal/position";

    private static string EntriesPath(string organisationId, string query = "") => $"/internal/organisations/{organisationId}/journal/entries{query}";

    private static object SmallEntry(Organisation org, decimal amount) =>
        Entry("2026-02-01", Debit(org.Account("469"), amount), Credit(org.Account("090"), amount));

    private async Task<long> PositionAsync(Organisation org)
    {
        using var feed = factory.CreateServiceClientFor(org.Id);
        return (await Api.ExpectAsync(await feed.GetAsync(PositionPath(org.Id)), HttpStatusCode.OK)).GetProperty("position").GetInt64();
    }

    private async Task<JournalFeedPage> PageAsync(Organisation org, string query = "")
    {
        using var feed = factory.CreateServiceClientFor(org.Id);
        var response = await feed.GetAsync(EntriesPath(org.Id, query));
        await Api.ExpectAsync(response, HttpStatusCode.OK);
        return (await response.Content.ReadFromJsonAsync<JournalFeedPage>(JsonDefaults.Options))!;
    }

    [Fact]
    public async Task The_position_is_the_highest_committed_sequence_and_follows_postings()
    {
        using var org = await CreateAsync(factory);

        (await PositionAsync(org)).ShouldBe(0);
        for (var i = 1; i <= 3; i++)
        {
            await org.PostExpectingAsync("/api/v1/journal-entries", SmallEntry(org, i), HttpStatusCode.Created);
            (await PositionAsync(org)).ShouldBe(i);
        }
    }

    [Fact]
    public async Task Entries_come_back_in_sequence_exactly_as_their_journal_entry_posted_events()
    {
        using var org = await CreateAsync(factory);
        var customer = await org.CreateContactAsync();
        var supplier = await org.CreateContactAsync("supplier", "Contoso Supplies");
        var invoice = await org.CreateInvoiceAsync(customer,
            new { description = "Consulting", quantity = 2, unit_price = 150.00m, vat_rate = 20 },
            new { description = "Books", quantity = 1, unit_price = 40.00m, vat_rate = 0 });
        await org.PostExpectingAsync($"/api/v1/invoices/{invoice.Id()}/send", null, HttpStatusCode.OK);
        await org.PostExpectingAsync($"/api/v1/invoices/{invoice.Id()}/payments", new { amount = 100.00m, date = "2026-03-10" }, HttpStatusCode.OK);
        var bill = await org.CreateBillAsync(supplier, new { description = "Heating", quantity = 1, unit_price = 80.00m, vat_rate = 5 });
        await org.PostExpectingAsync($"/api/v1/bills/{bill.Id()}/approve", null, HttpStatusCode.OK);
        var manual = await org.PostExpectingAsync("/api/v1/journal-entries", SmallEntry(org, 12.34m), HttpStatusCode.Created);
        await org.PostExpectingAsync($"/api/v1/journal-entries/{manual.Id()}/reverse", null, HttpStatusCode.OK);
        // Renamed after posting: the feed, like the event, says what the account was called then.
        await Api.ExpectAsync(await org.Client.PatchAsJsonAsync($"/api/v1/accounts/{org.Account("469")}", new { name = "Renamed later", subtype = "overheads" }), HttpStatusCode.OK);

        var events = (await org.EventsAsync())
            .Where(e => e.Type == "journal_entry.posted")
            .Select(e => e.Payload.Deserialize<JournalEntryPosted>(JsonDefaults.Options)!)
            .OrderBy(e => e.Sequence)
            .ToList();
        var page = await PageAsync(org);

        events.Select(e => e.Sequence).ShouldBe([1, 2, 3, 4, 5]);
        page.NextAfter.ShouldBeNull();
        page.Entries.Select(e => e.Sequence).ShouldBe([1, 2, 3, 4, 5]);
        foreach (var (served, published) in page.Entries.Zip(events))
        {
            served.Lines.ShouldBe(published.Lines, $"lines of entry {published.Sequence}");
            // The database keeps microseconds, the event's clock reading had ticks.
            served.OccurredAt.ShouldBe(published.OccurredAt, TimeSpan.FromMilliseconds(1));
            (served with { Lines = published.Lines, OccurredAt = published.OccurredAt }).ShouldBe(published);
        }

        page.Entries.SelectMany(e => e.Lines).Select(l => (l.VatRole, l.VatRate)).Distinct().ShouldBe(
            [(null, null), (VatRoles.OutputVat, null), (VatRoles.SalesNet, 20m), (VatRoles.SalesNet, 0m), (VatRoles.InputVat, null), (VatRoles.PurchasesNet, 5m)],
            ignoreOrder: true);
        page.Entries[^1].ReversesJournalEntryId.ShouldBe(manual.Id());
        page.Entries[^2].Lines[0].AccountName.ShouldNotBe("Renamed later");
    }

    [Fact]
    public async Task Pages_follow_each_other_by_sequence_until_next_after_is_null()
    {
        using var org = await CreateAsync(factory);
        for (var i = 1; i <= 5; i++)
        {
            await org.PostExpectingAsync("/api/v1/journal-entries", SmallEntry(org, i), HttpStatusCode.Created);
        }

        var first = await PageAsync(org, "?limit=2");
        var second = await PageAsync(org, $"?after={first.NextAfter}&limit=2");
        var last = await PageAsync(org, $"?after={second.NextAfter}&limit=2");
        var beyond = await PageAsync(org, "?after=5");

        first.Entries.Select(e => e.Sequence).ShouldBe([1, 2]);
        first.NextAfter.ShouldBe(2);
        second.Entries.Select(e => e.Sequence).ShouldBe([3, 4]);
        second.NextAfter.ShouldBe(4);
        last.Entries.Select(e => e.Sequence).ShouldBe([5]);
        last.NextAfter.ShouldBeNull();
        beyond.Entries.ShouldBeEmpty();
        beyond.NextAfter.ShouldBeNull();
    }

    [Fact]
    public async Task An_entry_still_being_posted_is_neither_counted_nor_stepped_over()
    {
        using var org = await CreateAsync(factory);
        await org.PostExpectingAsync("/api/v1/journal-entries", SmallEntry(org, 1m), HttpStatusCode.Created);
        var db = factory.Services.GetRequiredService<NpgsqlDataSource>();
        await using var connection = await db.OpenConnectionAsync();
        await using var inFlight = await connection.BeginTransactionAsync();
        var posting = await Journal.PostAsync(inFlight, TestIdentity.Caller(org.Id, "journals:write"), new JournalPosting(
            new DateOnly(2026, 2, 2), "GBP", "In flight", null, JournalSources.Manual, null,
            [new PostingLine(org.Account("469"), 2m, 0, null), new PostingLine(org.Account("090"), 0, 2m, null)]), TimeProvider.System, CancellationToken.None);
        posting.Value!.Sequence.ShouldBe(2);

        (await PositionAsync(org)).ShouldBe(1);
        var during = await PageAsync(org);
        await inFlight.CommitAsync();
        var after = await PageAsync(org, $"?after={during.Entries[^1].Sequence}");

        during.Entries.Select(e => e.Sequence).ShouldBe([1]);
        after.Entries.Select(e => e.Sequence).ShouldBe([2]);
        (await PositionAsync(org)).ShouldBe(2);
    }

    [Fact]
    public async Task Another_organisations_entries_never_appear_and_its_path_is_a_404()
    {
        using var org = await CreateAsync(factory);
        using var other = await CreateAsync(factory);
        await org.PostExpectingAsync("/api/v1/journal-entries", SmallEntry(org, 1m), HttpStatusCode.Created);
        await other.PostExpectingAsync("/api/v1/journal-entries", SmallEntry(other, 2m), HttpStatusCode.Created);
        await other.PostExpectingAsync("/api/v1/journal-entries", SmallEntry(other, 3m), HttpStatusCode.Created);

        var page = await PageAsync(org);
        using var feedForOrg = factory.CreateServiceClientFor(org.Id);

        page.Entries.ShouldHaveSingleItem().OrganisationId.ShouldBe(org.Id);
        page.Entries[0].Lines.Select(l => l.Debit + l.Credit).ShouldBe([1m, 1m]);
        (await PositionAsync(org)).ShouldBe(1);
        (await Api.ExpectAsync(await feedForOrg.GetAsync(EntriesPath(other.Id)), HttpStatusCode.NotFound)).ErrorCode().ShouldBe("not_found");
        (await Api.ExpectAsync(await feedForOrg.GetAsync(PositionPath(other.Id)), HttpStatusCode.NotFound)).ErrorCode().ShouldBe("not_found");
    }

    [Fact]
    public async Task The_feed_is_refused_without_a_trusted_services_identity()
    {
        using var org = await CreateAsync(factory);
        using var anonymous = factory.CreateDefaultClient();
        using var gatewayUser = factory.CreateClientFor(TestIdentity.Caller(org.Id, AllScopes));
        using var gatewayItself = factory.CreateClientFor(
            new ServiceDefaults.Identity.Caller(org.Id, "gateway", ServiceDefaults.Identity.PrincipalType.Service, null, new HashSet<string>()));
        using var serviceClient = factory.CreateServiceClientFor(org.Id);

        foreach (var client in new[] { anonymous, gatewayUser, gatewayItself })
        {
            (await client.GetAsync(PositionPath(org.Id))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            (await client.GetAsync(EntriesPath(org.Id))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        // ...and the service's identity opens nothing public.
        (await serviceClient.GetAsync("/api/v1/journal-entries")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("?limit=0", "limit")]
    [InlineData("?limit=5001", "limit")]
    [InlineData("?after=-1", "after")]
    [InlineData("?after=x", "after")]
    [InlineData("?from=2026-01-01", "from")]
    public async Task A_malformed_query_is_a_422_naming_the_parameter(string query, string field)
    {
        using var org = await CreateAsync(factory);
        using var feed = factory.CreateServiceClientFor(org.Id);

        var error = await Api.ExpectAsync(await feed.GetAsync(EntriesPath(org.Id, query)), HttpStatusCode.UnprocessableEntity);

        error.ErrorFields().ShouldBe([field]);
    }

    [Fact]
    public async Task The_feed_is_not_in_the_openapi_document()
    {
        using var anonymous = factory.CreateDefaultClient();

        var document = await anonymous.GetStringAsync("/openapi/v1.json");

        document.ShouldNotContain("/internal/");
        JsonDocument.Parse(document).RootElement.GetProperty("paths").EnumerateObject().ShouldNotBeEmpty();
    }
}
