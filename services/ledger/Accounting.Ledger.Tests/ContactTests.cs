using System.Net;
using System.Net.Http.Json;

namespace Accounting.Ledger.Tests;

public sealed class ContactTests(LedgerFactory factory) : IClassFixture<LedgerFactory>
{
    [Fact]
    public async Task Customers_and_vendors_are_views_of_the_contact_list_by_type()
    {
        using var org = await Organisation.CreateAsync(factory);
        var customer = await org.CreateContactAsync("customer", "Northwind");
        var supplier = await org.CreateContactAsync("supplier", "Contoso");

        (await org.GetAsync("/api/v1/contacts/customers")).GetProperty("data").EnumerateArray().Select(c => c.Id()).ShouldBe([customer]);
        (await org.GetAsync("/api/v1/contacts/vendors")).GetProperty("data").EnumerateArray().Select(c => c.Id()).ShouldBe([supplier]);
        (await org.GetAsync("/api/v1/contacts?type=supplier")).GetProperty("data").EnumerateArray().Select(c => c.Id()).ShouldBe([supplier]);
        var all = await org.GetAsync("/api/v1/contacts?limit=1");
        all.GetProperty("data").EnumerateArray().Select(c => c.Id()).ShouldBe([supplier]);
        (all.GetProperty("pagination").GetProperty("total").GetInt64(), all.GetProperty("pagination").GetProperty("has_more").GetBoolean()).ShouldBe((2L, true));
    }

    [Fact]
    public async Task A_contact_is_updated_then_deleted_and_gone()
    {
        using var org = await Organisation.CreateAsync(factory);
        var contact = await org.CreateContactAsync();

        var updated = await Api.ExpectAsync(await org.Client.PatchAsJsonAsync($"/api/v1/contacts/{contact}", new { name = "Northwind Ltd", vat_number = "GB123456789" }), HttpStatusCode.OK);
        var deleted = await org.Client.DeleteAsync(new Uri($"/api/v1/contacts/{contact}", UriKind.Relative));

        (updated.Text("name"), updated.Text("vat_number"), updated.Text("email")).ShouldBe(("Northwind Ltd", "GB123456789", "accounts@northwind.example"));
        deleted.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await org.Client.GetAsync(new Uri($"/api/v1/contacts/{contact}", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await org.EventsAsync()).Select(e => e.Type).ShouldBe(["contact.created"]);
    }

    [Fact]
    public async Task A_contact_needs_a_known_type_a_name_and_a_valid_email()
    {
        using var org = await Organisation.CreateAsync(factory);

        var error = await org.PostExpectingAsync("/api/v1/contacts", new { type = "partner", name = "", email = "not-an-email" }, HttpStatusCode.UnprocessableEntity);

        error.ErrorFields().ShouldBe(["type", "name", "email"], ignoreOrder: true);
    }
}
