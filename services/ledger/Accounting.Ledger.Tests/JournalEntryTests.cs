using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using static Accounting.Ledger.Tests.Organisation;

namespace Accounting.Ledger.Tests;

public sealed class JournalEntryTests(LedgerFactory factory) : IClassFixture<LedgerFactory>
{
    [Fact]
    public async Task A_balanced_entry_is_posted_listed_and_announced_with_its_accounts()
    {
        using var org = await CreateAsync(factory);

        var entry = await org.PostExpectingAsync("/api/v1/journal-entries",
            Entry("2026-02-01", Debit(org.Account("469"), 1000m), Debit(org.Account("820"), 200m), Credit(org.Account("090"), 1200m)), HttpStatusCode.Created);

        entry.Text("id").ShouldStartWith("je_");
        entry.Number("total").ShouldBe(1200m);
        entry.GetProperty("source").Text("type").ShouldBe("manual");
        var listed = await org.GetAsync("/api/v1/journal-entries?from=2026-02-01&to=2026-02-01");
        listed.GetProperty("data").EnumerateArray().Select(e => e.Id()).ShouldBe([entry.Id()]);
        var posted = (await org.EventsAsync()).Single(e => e.Type == "journal_entry.posted").Payload;
        posted.GetProperty("lines").EnumerateArray().Select(l => (l.Text("account_code"), l.Text("account_type"), l.Number("debit"), l.Number("credit")))
            .ShouldBe([("469", "expense", 1000m, 0m), ("820", "liability", 200m, 0m), ("090", "asset", 0m, 1200m)]);
    }

    [Fact]
    public async Task Entries_are_numbered_gaplessly_per_organisation_in_the_view_the_list_and_the_event()
    {
        using var org = await CreateAsync(factory);
        using var other = await CreateAsync(factory);
        var customer = await org.CreateContactAsync();
        var invoice = await org.CreateInvoiceAsync(customer);

        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ =>
            org.PostAsync("/api/v1/journal-entries", Entry("2026-02-01", Debit(org.Account("469"), 10m), Credit(org.Account("090"), 10m)))));
        await org.PostExpectingAsync($"/api/v1/invoices/{invoice.Id()}/send", null, HttpStatusCode.OK);
        await Api.ExpectAsync(await org.PostAsync("/api/v1/journal-entries", Entry("2026-02-01", Debit(org.Account("469"), 10m))), HttpStatusCode.UnprocessableEntity);
        var last = await org.PostExpectingAsync("/api/v1/journal-entries", Entry("2026-02-02", Debit(org.Account("469"), 5m), Credit(org.Account("090"), 5m)), HttpStatusCode.Created);
        var elsewhere = await other.PostExpectingAsync("/api/v1/journal-entries", Entry("2026-02-01", Debit(other.Account("469"), 1m), Credit(other.Account("090"), 1m)), HttpStatusCode.Created);

        responses.ShouldAllBe(r => r.StatusCode == HttpStatusCode.Created);
        last.GetProperty("sequence").GetInt64().ShouldBe(14);
        elsewhere.GetProperty("sequence").GetInt64().ShouldBe(1);
        (await org.GetAsync($"/api/v1/journal-entries/{last.Id()}")).GetProperty("sequence").GetInt64().ShouldBe(14);
        var listed = (await org.GetAsync("/api/v1/journal-entries?limit=100")).GetProperty("data").EnumerateArray()
            .Select(e => e.GetProperty("sequence").GetInt64()).Order();
        listed.ShouldBe(Enumerable.Range(1, 14).Select(i => (long)i));
        var announced = (await org.EventsAsync()).Where(e => e.Type == "journal_entry.posted").Select(e => e.Payload.GetProperty("sequence").GetInt64());
        announced.Order().ShouldBe(Enumerable.Range(1, 14).Select(i => (long)i));
    }

    public static TheoryData<string, string[]> BadEntries => new()
    {
        { """{"date":"2026-01-05","description":"x","currency":"GBP","lines":[{"account_id":"{bank}","debit":10},{"account_id":"{sales}","credit":9.99}]}""", ["lines"] },
        { """{"date":"2026-01-05","description":"x","currency":"GBP","lines":[{"account_id":"{bank}","debit":10}]}""", ["lines"] },
        { """{"date":"2026-01-05","description":"x","currency":"GBP","lines":[{"account_id":"{bank}","debit":0},{"account_id":"{sales}","credit":0}]}""", ["lines[0].debit", "lines[1].credit"] },
        { """{"date":"2026-01-05","description":"x","currency":"GBP","lines":[{"account_id":"{bank}","debit":-5},{"account_id":"{sales}","credit":-5}]}""", ["lines[0].debit", "lines[1].credit"] },
        { """{"date":"2026-01-05","description":"x","currency":"GBP","lines":[{"account_id":"{bank}","debit":5,"credit":5},{"account_id":"{sales}","credit":5}]}""", ["lines[0].credit", "lines"] },
        { """{"date":"2026-01-05","description":"x","currency":"GBP","lines":[{"account_id":"{bank}"},{"account_id":"{sales}","credit":5}]}""", ["lines[0].debit", "lines"] },
        { """{"date":"2026-01-05","description":"x","currency":"GBP","lines":[{"account_id":"{bank}","debit":10.001},{"account_id":"{sales}","credit":10.001}]}""", ["lines[0].debit", "lines[1].credit"] },
        { """{"date":"2026-01-05","description":"x","currency":"JPY","lines":[{"account_id":"{bank}","debit":100.5},{"account_id":"{sales}","credit":100.5}]}""", ["lines[0].debit", "lines[1].credit"] },
        { """{"date":"2026-01-05","description":"x","currency":"GBP","lines":[{"account_id":"{bank}","debit":10000000000000},{"account_id":"{sales}","credit":10000000000000}]}""", ["lines[0].debit", "lines[1].credit"] },
        { """{"date":"1899-12-31","description":"x","currency":"GBP","lines":[{"account_id":"{bank}","debit":1},{"account_id":"{sales}","credit":1}]}""", ["date"] },
        { """{"date":"2201-01-01","description":"x","currency":"GBP","lines":[{"account_id":"{bank}","debit":1},{"account_id":"{sales}","credit":1}]}""", ["date"] },
        { """{"date":"2026-01-05","description":"","currency":"XXX","lines":[{"account_id":"{bank}","debit":1},{"account_id":"{sales}","credit":1}]}""", ["description", "currency"] },
        { """{"date":"2026-01-05","description":"x","currency":"GBP","lines":[{"account_id":"acc_unknown","debit":1},{"account_id":"{sales}","credit":1}]}""", ["lines[0].account_id"] },
        { """{"date":"2026-01-05","description":"x","currency":"GBP","lines":[{"account_id":"{bank}","debit":1},{"account_id":"{archived}","credit":1}]}""", ["lines[1].account_id"] },
        { """{"date":"2026-01-05","description":"x","currency":"GBP","lines":[{"account_id":"{bank}","debit":1},{"account_id":"{foreign}","credit":1}]}""", ["lines[1].account_id"] },
    };

    [Theory]
    [MemberData(nameof(BadEntries))]
    public async Task Invalid_entries_are_a_422_naming_the_fields_and_write_nothing(string template, string[] fields)
    {
        using var org = await CreateAsync(factory);
        using var stranger = await CreateAsync(factory);
        var archived = org.Account("720");
        await Api.ExpectAsync(await org.Client.PatchAsJsonAsync($"/api/v1/accounts/{archived}", new { archived = true }), HttpStatusCode.OK);
        var body = template.Replace("{bank}", org.Account("090"), StringComparison.Ordinal).Replace("{sales}", org.Account("200"), StringComparison.Ordinal)
            .Replace("{archived}", archived, StringComparison.Ordinal).Replace("{foreign}", stranger.Account("200"), StringComparison.Ordinal);

        var response = await org.Client.PostAsync("/api/v1/journal-entries", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        var error = await Api.ExpectAsync(response, HttpStatusCode.UnprocessableEntity);
        error.ErrorCode().ShouldBe("validation_failed");
        error.ErrorFields().ShouldBe(fields, ignoreOrder: true);
        (await org.ScalarAsync<long>("SELECT count(*) FROM journal_entries WHERE organisation_id = @Id")).ShouldBe(0);
        (await org.EventsAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task An_entry_of_ten_thousand_lines_is_refused_with_one_error()
    {
        using var org = await CreateAsync(factory);
        var lines = Enumerable.Range(0, 10_000).Select(i => i % 2 == 0 ? Debit(org.Account("090"), 1m) : Credit(org.Account("200"), 1m)).ToArray();

        var error = await org.PostExpectingAsync("/api/v1/journal-entries", Entry("2026-01-05", lines), HttpStatusCode.UnprocessableEntity);

        error.ErrorFields().ShouldBe(["lines"]);
        (await org.ScalarAsync<long>("SELECT count(*) FROM journal_entries WHERE organisation_id = @Id")).ShouldBe(0);
    }

    [Fact]
    public async Task Reversing_posts_the_mirror_entry_once()
    {
        using var org = await CreateAsync(factory);
        var entry = await org.PostExpectingAsync("/api/v1/journal-entries",
            Entry("2026-02-01", Debit(org.Account("090"), 50m), Credit(org.Account("970"), 50m)), HttpStatusCode.Created);

        var reversed = await org.PostExpectingAsync($"/api/v1/journal-entries/{entry.Id()}/reverse", new { date = "2026-02-02" }, HttpStatusCode.OK);
        var again = await org.PostExpectingAsync($"/api/v1/journal-entries/{entry.Id()}/reverse", null, HttpStatusCode.Conflict);

        var mirror = await org.GetAsync($"/api/v1/journal-entries/{reversed.Text("reversed_by_id")}");
        mirror.Text("reverses_id").ShouldBe(entry.Id());
        mirror.Text("date").ShouldBe("2026-02-02");
        mirror.GetProperty("lines").EnumerateArray().Select(l => (l.Text("account_code"), l.GetProperty("debit").ValueKind == JsonValueKind.Null ? 0 : l.Number("debit"), l.GetProperty("credit").ValueKind == JsonValueKind.Null ? 0 : l.Number("credit")))
            .ShouldBe([("090", 0m, 50m), ("970", 50m, 0m)]);
        again.ErrorCode().ShouldBe("conflict");
    }

    [Fact]
    public async Task Nothing_posts_on_or_before_a_closed_period_end()
    {
        using var org = await CreateAsync(factory);
        var invoice = await org.CreateInvoiceAsync(await org.CreateContactAsync());

        var closed = await org.PostExpectingAsync("/api/v1/periods/close", new { period_end = "2026-03-31" }, HttpStatusCode.OK);

        closed.Text("period_end").ShouldBe("2026-03-31");
        closed.Text("closed_by").ShouldBe("usr_test");
        (await org.PostExpectingAsync("/api/v1/journal-entries", Entry("2026-03-31", Debit(org.Account("090"), 1m), Credit(org.Account("970"), 1m)), HttpStatusCode.Conflict))
            .ErrorCode().ShouldBe("conflict");
        (await org.PostExpectingAsync($"/api/v1/invoices/{invoice.Id()}/send", null, HttpStatusCode.Conflict)).ErrorCode().ShouldBe("conflict");
        await org.PostExpectingAsync("/api/v1/journal-entries", Entry("2026-04-01", Debit(org.Account("090"), 1m), Credit(org.Account("970"), 1m)), HttpStatusCode.Created);
        (await org.PostExpectingAsync("/api/v1/periods/close", new { period_end = "2026-02-28" }, HttpStatusCode.Conflict)).ErrorCode().ShouldBe("conflict");
        (await org.GetAsync("/api/v1/periods")).GetProperty("data").EnumerateArray().Select(p => p.Text("period_end")).ShouldBe(["2026-03-31"]);
        (await org.EventsAsync()).Count(e => e.Type == "period.closed").ShouldBe(1);
        (await org.GetAsync($"/api/v1/invoices/{invoice.Id()}")).Text("status").ShouldBe("draft");
    }

    [Theory]
    [InlineData("/api/v1/journal-entries?limit=101", "limit")]
    [InlineData("/api/v1/journal-entries?source_type=magic", "source_type")]
    [InlineData("/api/v1/journal-entries?from=yesterday", "from")]
    [InlineData("/api/v1/invoices?status=lost", "status")]
    [InlineData("/api/v1/bills?contact_id=inv_123", "contact_id")]
    [InlineData("/api/v1/contacts?type=partner", "type")]
    [InlineData("/api/v1/accounts?type=revenue", "type")]
    [InlineData("/api/v1/accounts?colour=red", "colour")]
    public async Task Unknown_filters_and_values_are_a_422(string path, string field)
    {
        using var org = await CreateAsync(factory);

        var response = await org.Client.GetAsync(new Uri(path, UriKind.Relative));

        (await Api.ExpectAsync(response, HttpStatusCode.UnprocessableEntity)).ErrorFields().ShouldBe([field]);
    }

    [Fact]
    public async Task Posting_without_the_journals_write_scope_is_forbidden()
    {
        using var org = await CreateAsync(factory);
        using var reader = org.ClientWith("journals:read");

        var response = await reader.PostAsJsonAsync("/api/v1/journal-entries", Entry("2026-02-01", Debit(org.Account("090"), 1m), Credit(org.Account("970"), 1m)));

        (await Api.ExpectAsync(response, HttpStatusCode.Forbidden)).ErrorCode().ShouldBe("insufficient_scope");
        await Api.ExpectAsync(await reader.GetAsync(new Uri("/api/v1/journal-entries", UriKind.Relative)), HttpStatusCode.OK);
    }
}
