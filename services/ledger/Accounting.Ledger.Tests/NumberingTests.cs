using System.Net;

namespace Accounting.Ledger.Tests;

public sealed class NumberingTests(LedgerFactory factory) : IClassFixture<LedgerFactory>
{
    [Fact]
    public async Task Invoice_numbers_stay_gapless_under_concurrent_creation_and_refusals()
    {
        using var org = await Organisation.CreateAsync(factory);
        var customer = await org.CreateContactAsync();
        var supplier = await org.CreateContactAsync("supplier");

        // Every third request names a supplier and is refused: refusals must not consume numbers.
        var responses = await Task.WhenAll(Enumerable.Range(0, 60).Select(i =>
            org.PostAsync("/api/v1/invoices", Organisation.InvoiceBody(i % 3 == 0 ? supplier : customer))));

        responses.Count(r => r.StatusCode == HttpStatusCode.UnprocessableEntity).ShouldBe(20);
        var numbers = await Task.WhenAll(responses.Where(r => r.StatusCode == HttpStatusCode.Created)
            .Select(async r => (await Api.ExpectAsync(r, HttpStatusCode.Created)).Text("invoice_number")));
        numbers.Order(StringComparer.Ordinal).ShouldBe(Enumerable.Range(1, 40).Select(n => $"INV-{n:D4}"));
    }

    [Fact]
    public async Task Each_organisation_numbers_from_one()
    {
        using var first = await Organisation.CreateAsync(factory);
        using var second = await Organisation.CreateAsync(factory);
        await first.CreateInvoiceAsync(await first.CreateContactAsync());

        var invoice = await second.CreateInvoiceAsync(await second.CreateContactAsync());

        invoice.Text("invoice_number").ShouldBe("INV-0001");
    }
}
