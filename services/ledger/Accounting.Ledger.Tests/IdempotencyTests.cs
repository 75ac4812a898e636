using System.Net;
using System.Net.Http.Json;

namespace Accounting.Ledger.Tests;

public sealed class IdempotencyTests(LedgerFactory factory) : IClassFixture<LedgerFactory>
{
    private static async Task<HttpResponseMessage> PostWithKeyAsync(HttpClient client, string path, object body, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        return await client.SendAsync(request);
    }

    [Fact]
    public async Task Fifty_concurrent_posts_with_one_key_create_one_invoice()
    {
        using var org = await Organisation.CreateAsync(factory);
        var body = Organisation.InvoiceBody(await org.CreateContactAsync());
        var key = Guid.NewGuid().ToString();

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => PostWithKeyAsync(org.Client, "/api/v1/invoices", body, key)));

        (await org.ScalarAsync<long>("SELECT count(*) FROM trade_documents WHERE organisation_id = @Id")).ShouldBe(1);
        (await org.EventsAsync()).Count(e => e.Type == "invoice.created").ShouldBe(1);
        var created = responses.Where(r => r.StatusCode == HttpStatusCode.Created).ToList();
        created.ShouldNotBeEmpty();
        var ids = await Task.WhenAll(created.Select(async r => (await Api.ExpectAsync(r, HttpStatusCode.Created)).Id()));
        ids.Distinct().Count().ShouldBe(1);
        created.Count(r => !r.Headers.Contains("Idempotent-Replayed")).ShouldBe(1);
        foreach (var refused in responses.Where(r => r.StatusCode != HttpStatusCode.Created))
        {
            (await Api.ExpectAsync(refused, HttpStatusCode.Conflict)).ErrorCode().ShouldBe("request_in_progress");
        }
    }

    [Fact]
    public async Task A_retry_replays_the_stored_response_with_the_replayed_header()
    {
        using var org = await Organisation.CreateAsync(factory);
        var body = Organisation.InvoiceBody(await org.CreateContactAsync());

        var first = await PostWithKeyAsync(org.Client, "/api/v1/invoices", body, "retry-1");
        var second = await PostWithKeyAsync(org.Client, "/api/v1/invoices", body, "retry-1");

        var original = await Api.ExpectAsync(first, HttpStatusCode.Created);
        var replay = await Api.ExpectAsync(second, HttpStatusCode.Created);
        replay.Id().ShouldBe(original.Id());
        replay.Text("invoice_number").ShouldBe("INV-0001");
        second.Headers.GetValues("Idempotent-Replayed").Single().ShouldBe("true");
        second.Headers.Location.ShouldBe(first.Headers.Location);
        first.Headers.Contains("Idempotent-Replayed").ShouldBeFalse();
        (await org.ScalarAsync<long>("SELECT count(*) FROM trade_documents WHERE organisation_id = @Id")).ShouldBe(1);
    }

    [Fact]
    public async Task The_same_key_on_a_different_request_is_refused()
    {
        using var org = await Organisation.CreateAsync(factory);
        var customer = await org.CreateContactAsync();
        await Api.ExpectAsync(await PostWithKeyAsync(org.Client, "/api/v1/invoices", Organisation.InvoiceBody(customer), "reused"), HttpStatusCode.Created);

        var otherBody = await PostWithKeyAsync(org.Client, "/api/v1/invoices", Organisation.InvoiceBody(customer, new { description = "Other", quantity = 2, unit_price = 1m, vat_rate = 0 }), "reused");
        var otherPath = await PostWithKeyAsync(org.Client, "/api/v1/contacts", new { type = "customer", name = "X" }, "reused");

        (await Api.ExpectAsync(otherBody, HttpStatusCode.Conflict)).ErrorCode().ShouldBe("idempotency_key_reused");
        (await Api.ExpectAsync(otherPath, HttpStatusCode.Conflict)).ErrorCode().ShouldBe("idempotency_key_reused");
    }

    [Fact]
    public async Task Keys_belong_to_one_organisation()
    {
        using var first = await Organisation.CreateAsync(factory);
        using var second = await Organisation.CreateAsync(factory);
        var contact = new { type = "customer", name = "Shared key Ltd" };

        var a = await Api.ExpectAsync(await PostWithKeyAsync(first.Client, "/api/v1/contacts", contact, "same-key"), HttpStatusCode.Created);
        var b = await Api.ExpectAsync(await PostWithKeyAsync(second.Client, "/api/v1/contacts", contact, "same-key"), HttpStatusCode.Created);

        b.Id().ShouldNotBe(a.Id());
    }

    [Fact]
    public async Task A_refused_request_is_replayed_and_leaves_no_partial_writes()
    {
        using var org = await Organisation.CreateAsync(factory);
        var invoice = await org.CreateInvoiceAsync(await org.CreateContactAsync());
        await org.PostExpectingAsync($"/api/v1/invoices/{invoice.Id()}/send", null, HttpStatusCode.OK);
        var overpayment = new { amount = 500m, date = "2026-03-05" };

        var first = await PostWithKeyAsync(org.Client, $"/api/v1/invoices/{invoice.Id()}/payments", overpayment, "overpay");
        var retry = await PostWithKeyAsync(org.Client, $"/api/v1/invoices/{invoice.Id()}/payments", overpayment, "overpay");

        (await Api.ExpectAsync(first, HttpStatusCode.UnprocessableEntity)).ErrorFields().ShouldBe(["amount"]);
        await Api.ExpectAsync(retry, HttpStatusCode.UnprocessableEntity);
        retry.Headers.GetValues("Idempotent-Replayed").Single().ShouldBe("true");
        (await org.ScalarAsync<long>("SELECT count(*) FROM payments WHERE organisation_id = @Id")).ShouldBe(0);
    }

    [Fact]
    public async Task A_key_longer_than_255_characters_is_a_bad_request()
    {
        using var org = await Organisation.CreateAsync(factory);

        var response = await PostWithKeyAsync(org.Client, "/api/v1/contacts", new { type = "customer", name = "X" }, new string('k', 256));

        (await Api.ExpectAsync(response, HttpStatusCode.BadRequest)).ErrorCode().ShouldBe("bad_request");
    }
}
