using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Accounting.Ledger.Tests;

public sealed class InvoiceValidationTests(LedgerFactory factory) : IClassFixture<LedgerFactory>
{
    public static TheoryData<string, string, string> BadInvoices => new()
    {
        { "unit_price with a tenth of a penny", """{"lines":[{"description":"x","quantity":1,"unit_price":10.001,"vat_rate":20}]}""", "lines[0].unit_price" },
        { "zero quantity", """{"lines":[{"description":"x","quantity":0,"unit_price":10,"vat_rate":20}]}""", "lines[0].quantity" },
        { "VAT above 100 %", """{"lines":[{"description":"x","quantity":1,"unit_price":10,"vat_rate":120}]}""", "lines[0].vat_rate" },
        { "no description", """{"lines":[{"description":"","quantity":1,"unit_price":10,"vat_rate":20}]}""", "lines[0].description" },
        { "no lines", """{"lines":[]}""", "lines" },
        { "a total beyond 10^13", """{"lines":[{"description":"x","quantity":2000,"unit_price":9999999999.99,"vat_rate":0}]}""", "lines" },
        { "due before issue", """{"due_date":"2026-02-01"}""", "due_date" },
        { "issued in 1800", """{"issue_date":"1800-01-01"}""", "issue_date" },
        { "lower-case currency", """{"currency":"gbp"}""", "currency" },
        { "unknown line account", """{"lines":[{"description":"x","quantity":1,"unit_price":10,"vat_rate":20,"account_id":"acc_nope"}]}""", "lines[0].account_id" },
        { "archived line account", """{"lines":[{"description":"x","quantity":1,"unit_price":10,"vat_rate":20,"account_id":"{archived}"}]}""", "lines[0].account_id" },
    };

    [Theory]
    [MemberData(nameof(BadInvoices))]
    public async Task Invalid_invoices_are_a_422_naming_the_field_and_consume_no_number(string because, string overrides, string field)
    {
        using var org = await Organisation.CreateAsync(factory);
        var archived = org.Account("260");
        await Api.ExpectAsync(await org.Client.PatchAsJsonAsync($"/api/v1/accounts/{archived}", new { archived = true }), HttpStatusCode.OK);
        var body = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(Organisation.InvoiceBody(await org.CreateContactAsync())))!.AsObject();
        foreach (var (name, value) in JsonNode.Parse(overrides.Replace("{archived}", archived, StringComparison.Ordinal))!.AsObject().ToList())
        {
            body[name] = value?.DeepClone();
        }

        var error = await org.PostExpectingAsync("/api/v1/invoices", body, HttpStatusCode.UnprocessableEntity);

        error.ErrorFields().ShouldBe([field], because);
        (await org.CreateInvoiceAsync(body["contact_id"]!.GetValue<string>())).Text("invoice_number").ShouldBe("INV-0001");
    }

    [Fact]
    public async Task An_invoice_of_more_than_500_lines_is_a_422()
    {
        using var org = await Organisation.CreateAsync(factory);
        var lines = Enumerable.Range(0, 501).Select(_ => (object)new { description = "x", quantity = 1, unit_price = 1m, vat_rate = 0 }).ToArray();

        var error = await org.PostExpectingAsync("/api/v1/invoices", Organisation.InvoiceBody(await org.CreateContactAsync(), lines), HttpStatusCode.UnprocessableEntity);

        error.ErrorFields().ShouldBe(["lines"]);
    }
}
