using System.Net;
using System.Net.Http.Json;

namespace Accounting.Ledger.Tests;

public sealed class TenancyTests(LedgerFactory factory) : IClassFixture<LedgerFactory>
{
    [Fact]
    public async Task Every_endpoint_called_by_another_organisation_on_our_ids_is_a_404_and_changes_nothing()
    {
        using var owner = await Organisation.CreateAsync(factory);
        using var intruder = await Organisation.CreateAsync(factory);
        var account = owner.Account("200");
        var customer = await owner.CreateContactAsync();
        var supplier = await owner.CreateContactAsync("supplier");
        var invoice = (await owner.CreateInvoiceAsync(customer)).Id();
        var sentInvoice = (await owner.CreateInvoiceAsync(customer)).Id();
        await owner.PostExpectingAsync($"/api/v1/invoices/{sentInvoice}/send", null, HttpStatusCode.OK);
        var bill = (await owner.CreateBillAsync(supplier)).Id();
        var approvedBill = (await owner.CreateBillAsync(supplier)).Id();
        await owner.PostExpectingAsync($"/api/v1/bills/{approvedBill}/approve", null, HttpStatusCode.OK);
        var entry = (await owner.PostExpectingAsync("/api/v1/journal-entries",
            Organisation.Entry("2026-02-01", Organisation.Debit(owner.Account("090"), 5m), Organisation.Credit(owner.Account("970"), 5m)), HttpStatusCode.Created)).Id();
        var before = await owner.ScalarAsync<string>(Snapshot);
        var payment = new { amount = 1m, date = "2026-03-05" };
        var invoicePatch = new { reference = "stolen" };

        (string Method, string Path, object? Body)[] calls =
        [
            ("GET", $"/api/v1/accounts/{account}", null),
            ("PATCH", $"/api/v1/accounts/{account}", new { name = "Hijacked" }),
            ("GET", $"/api/v1/journal-entries/{entry}", null),
            ("POST", $"/api/v1/journal-entries/{entry}/reverse", null),
            ("GET", $"/api/v1/contacts/{customer}", null),
            ("PATCH", $"/api/v1/contacts/{customer}", new { name = "Hijacked" }),
            ("DELETE", $"/api/v1/contacts/{customer}", null),
            ("GET", $"/api/v1/invoices/{invoice}", null),
            ("PATCH", $"/api/v1/invoices/{invoice}", invoicePatch),
            ("POST", $"/api/v1/invoices/{invoice}/send", null),
            ("POST", $"/api/v1/invoices/{sentInvoice}/payments", payment),
            ("POST", $"/api/v1/invoices/{invoice}/void", null),
            ("GET", $"/api/v1/bills/{bill}", null),
            ("PATCH", $"/api/v1/bills/{bill}", invoicePatch),
            ("POST", $"/api/v1/bills/{bill}/approve", null),
            ("POST", $"/api/v1/bills/{approvedBill}/payments", payment),
        ];

        foreach (var (method, path, body) in calls)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = body is null ? null : JsonContent.Create(body) };
            var response = await intruder.Client.SendAsync(request);
            var error = await Api.ExpectAsync(response, HttpStatusCode.NotFound);
            error.ErrorCode().ShouldBe("not_found", $"{method} {path}");
        }

        (await owner.ScalarAsync<string>(Snapshot)).ShouldBe(before);
        foreach (var list in new[] { "accounts", "journal-entries", "contacts", "invoices", "bills", "periods", "categories" })
        {
            var page = await intruder.GetAsync($"/api/v1/{list}?limit=100");
            var text = page.GetRawText();
            foreach (var id in new[] { account, entry, customer, supplier, invoice, sentInvoice, bill, approvedBill })
            {
                text.ShouldNotContain(id, customMessage: $"/{list} of another organisation shows {id}");
            }
        }
    }

    // Everything the owner has, in one comparable string: the intruder's calls must not change a byte.
    private const string Snapshot = """
        SELECT concat_ws('|',
            (SELECT string_agg(concat_ws(',', id, code, name, archived), ';' ORDER BY id) FROM accounts WHERE organisation_id = @Id),
            (SELECT string_agg(concat_ws(',', id, name, deleted_at), ';' ORDER BY id) FROM contacts WHERE organisation_id = @Id),
            (SELECT string_agg(concat_ws(',', id, status, reference, amount_paid), ';' ORDER BY id) FROM trade_documents WHERE organisation_id = @Id),
            (SELECT count(*) FROM journal_entries WHERE organisation_id = @Id),
            (SELECT count(*) FROM payments WHERE organisation_id = @Id))
        """;
}
