using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Accounting.Ledger.Tests;

public sealed class InvoiceLifecycleTests(LedgerFactory factory) : IClassFixture<LedgerFactory>
{
    private static object[] RoundingLines() =>
    [
        // 3 × 33.33 = 99.99, VAT 20 % = 19.998 → 20.00
        new { description = "Design work", quantity = 3, unit_price = 33.33m, vat_rate = 20 },
        // 2.5 × 10.01 = 25.025 → 25.03 (half-up), VAT 5 % = 1.2515 → 1.25
        new { description = "Printing", quantity = 2.5m, unit_price = 10.01m, vat_rate = 5 },
    ];

    [Fact]
    public async Task An_invoice_from_draft_to_paid_posts_exact_journal_lines_and_emits_its_events()
    {
        using var org = await Organisation.CreateAsync(factory);
        var customer = await org.CreateContactAsync();

        var draft = await org.CreateInvoiceAsync(customer, RoundingLines());

        draft.Text("invoice_number").ShouldBe("INV-0001");
        draft.Text("status").ShouldBe("draft");
        draft.GetProperty("lines")[0].Number("line_total").ShouldBe(99.99m);
        draft.GetProperty("lines")[0].Number("vat_amount").ShouldBe(20.00m);
        draft.GetProperty("lines")[1].Number("line_total").ShouldBe(25.03m);
        draft.GetProperty("lines")[1].Number("vat_amount").ShouldBe(1.25m);
        (draft.Number("subtotal"), draft.Number("vat_total"), draft.Number("total"), draft.Number("amount_due")).ShouldBe((125.02m, 21.25m, 146.27m, 146.27m));
        draft.GetProperty("journal_entry_id").ValueKind.ShouldBe(JsonValueKind.Null);

        var sent = await org.PostExpectingAsync($"/api/v1/invoices/{draft.Id()}/send", null, HttpStatusCode.OK);
        sent.Text("status").ShouldBe("sent");
        var sale = await org.GetAsync($"/api/v1/journal-entries/{sent.Text("journal_entry_id")}");
        Lines(sale).ShouldBe(
        [
            ("200", null, 99.99m, "sales_net", 20m),
            ("200", null, 25.03m, "sales_net", 5m),
            ("820", null, 21.25m, "output_vat", null),
            ("610", 146.27m, null, null, null),
        ]);
        sale.GetProperty("source").Text("type").ShouldBe("invoice");
        sale.GetProperty("source").Text("id").ShouldBe(draft.Id());
        sale.Text("date").ShouldBe("2026-03-01");

        var part = await org.PostExpectingAsync($"/api/v1/invoices/{draft.Id()}/payments", new { amount = 100.00m, date = "2026-03-10" }, HttpStatusCode.OK);
        part.Text("status").ShouldBe("partially_paid");
        (part.Number("amount_paid"), part.Number("amount_due")).ShouldBe((100.00m, 46.27m));
        var receipt = await org.GetAsync($"/api/v1/journal-entries/{part.GetProperty("payments")[0].Text("journal_entry_id")}");
        Lines(receipt).ShouldBe([("090", 100.00m, null, null, null), ("610", null, 100.00m, null, null)]);

        var paid = await org.PostExpectingAsync($"/api/v1/invoices/{draft.Id()}/payments", new { amount = 46.27m, date = "2026-03-20" }, HttpStatusCode.OK);
        paid.Text("status").ShouldBe("paid");
        paid.Number("amount_due").ShouldBe(0m);
        paid.GetProperty("payments").GetArrayLength().ShouldBe(2);

        var listed = await org.GetAsync($"/api/v1/invoices?status=paid&contact_id={customer}");
        listed.GetProperty("data").EnumerateArray().Select(i => (i.Id(), i.Text("invoice_number"), i.Number("total"))).ShouldBe([(draft.Id(), "INV-0001", 146.27m)]);
        (await org.GetAsync("/api/v1/invoices?status=draft")).GetProperty("pagination").GetProperty("total").GetInt64().ShouldBe(0);

        var events = await org.EventsAsync();
        events.Select(e => e.Type).ShouldBe(
        [
            "contact.created", "invoice.created", "journal_entry.posted", "invoice.sent",
            "journal_entry.posted", "payment.received", "journal_entry.posted", "payment.received", "invoice.paid",
        ]);
        var invoicePaid = events[^1].Payload;
        invoicePaid.Text("id").ShouldBe(draft.Id());
        invoicePaid.Text("invoice_number").ShouldBe("INV-0001");
        invoicePaid.Number("amount").ShouldBe(146.27m);
        invoicePaid.Text("currency").ShouldBe("GBP");
        invoicePaid.Text("contact_id").ShouldBe(customer);
        invoicePaid.Text("organisation_id").ShouldBe(org.Id);

        (events[3].Payload.Text("issue_date"), events[3].Payload.Text("due_date")).ShouldBe((sale.Text("date"), draft.Text("due_date")));

        var posted = events[2].Payload;
        posted.Text("journal_entry_id").ShouldBe(sent.Text("journal_entry_id"));
        posted.Text("source_type").ShouldBe("invoice");
        var vatLine = posted.GetProperty("lines")[2];
        (vatLine.Text("account_code"), vatLine.Text("account_type"), vatLine.Text("vat_role"), vatLine.Number("credit"), vatLine.Number("debit"))
            .ShouldBe(("820", "liability", "output_vat", 21.25m, 0m));
        posted.GetProperty("lines")[0].Number("vat_rate").ShouldBe(20m);
    }

    [Fact]
    public async Task A_sent_invoice_cannot_be_edited()
    {
        using var org = await Organisation.CreateAsync(factory);
        var invoice = await org.CreateInvoiceAsync(await org.CreateContactAsync());
        await org.PostExpectingAsync($"/api/v1/invoices/{invoice.Id()}/send", null, HttpStatusCode.OK);

        var response = await org.Client.PatchAsJsonAsync($"/api/v1/invoices/{invoice.Id()}", new { reference = "PO-9" });

        (await Api.ExpectAsync(response, HttpStatusCode.Conflict)).ErrorCode().ShouldBe("conflict");
    }

    [Fact]
    public async Task A_draft_can_be_edited_and_its_totals_are_recomputed()
    {
        using var org = await Organisation.CreateAsync(factory);
        var invoice = await org.CreateInvoiceAsync(await org.CreateContactAsync());

        var response = await org.Client.PatchAsJsonAsync($"/api/v1/invoices/{invoice.Id()}", new
        {
            reference = "PO-9",
            lines = new[] { new { description = "Widgets", quantity = 4, unit_price = 12.50m, vat_rate = 20 } },
        });

        var edited = await Api.ExpectAsync(response, HttpStatusCode.OK);
        (edited.Text("reference"), edited.Number("subtotal"), edited.Number("vat_total"), edited.Number("total")).ShouldBe(("PO-9", 50.00m, 10.00m, 60.00m));
        edited.Text("invoice_number").ShouldBe(invoice.Text("invoice_number"));
    }

    [Fact]
    public async Task Paying_a_draft_is_a_conflict()
    {
        using var org = await Organisation.CreateAsync(factory);
        var invoice = await org.CreateInvoiceAsync(await org.CreateContactAsync());

        var error = await org.PostExpectingAsync($"/api/v1/invoices/{invoice.Id()}/payments", new { amount = 10m, date = "2026-03-02" }, HttpStatusCode.Conflict);

        error.ErrorCode().ShouldBe("conflict");
        (await org.ScalarAsync<long>("SELECT count(*) FROM payments WHERE organisation_id = @Id")).ShouldBe(0);
    }

    [Fact]
    public async Task Paying_more_than_is_due_is_a_422_and_records_nothing()
    {
        using var org = await Organisation.CreateAsync(factory);
        var invoice = await org.CreateInvoiceAsync(await org.CreateContactAsync());
        await org.PostExpectingAsync($"/api/v1/invoices/{invoice.Id()}/send", null, HttpStatusCode.OK);

        var error = await org.PostExpectingAsync($"/api/v1/invoices/{invoice.Id()}/payments", new { amount = 120.01m, date = "2026-03-02" }, HttpStatusCode.UnprocessableEntity);

        error.ErrorFields().ShouldBe(["amount"]);
        (await org.GetAsync($"/api/v1/invoices/{invoice.Id()}")).Number("amount_due").ShouldBe(120.00m);
        (await org.ScalarAsync<long>("SELECT count(*) FROM journal_entries WHERE organisation_id = @Id")).ShouldBe(1);
    }

    [Fact]
    public async Task Voiding_a_sent_invoice_reverses_its_posting_and_emits_invoice_voided()
    {
        using var org = await Organisation.CreateAsync(factory);
        var invoice = await org.CreateInvoiceAsync(await org.CreateContactAsync());
        var sent = await org.PostExpectingAsync($"/api/v1/invoices/{invoice.Id()}/send", null, HttpStatusCode.OK);

        var voided = await org.PostExpectingAsync($"/api/v1/invoices/{invoice.Id()}/void", null, HttpStatusCode.OK);

        voided.Text("status").ShouldBe("void");
        var original = await org.GetAsync($"/api/v1/journal-entries/{sent.Text("journal_entry_id")}");
        var reversal = await org.GetAsync($"/api/v1/journal-entries/{original.Text("reversed_by_id")}");
        Lines(reversal).ShouldBe(
        [
            ("200", 100.00m, null, "sales_net", 20m),
            ("820", 20.00m, null, "output_vat", null),
            ("610", null, 120.00m, null, null),
        ]);
        var events = await org.EventsAsync();
        events[^1].Type.ShouldBe("invoice.voided");
        events[^1].Payload.Text("reversal_journal_entry_id").ShouldBe(reversal.Id());
        (await org.ScalarAsync<decimal>("SELECT sum(debit) - sum(credit) FROM journal_lines WHERE organisation_id = @Id AND account_id IN (SELECT id FROM accounts WHERE code = '610')"))
            .ShouldBe(0m);
    }

    [Fact]
    public async Task Voiding_a_paid_invoice_is_a_conflict()
    {
        using var org = await Organisation.CreateAsync(factory);
        var invoice = await org.CreateInvoiceAsync(await org.CreateContactAsync());
        await org.PostExpectingAsync($"/api/v1/invoices/{invoice.Id()}/send", null, HttpStatusCode.OK);
        await org.PostExpectingAsync($"/api/v1/invoices/{invoice.Id()}/payments", new { amount = 120m, date = "2026-03-02" }, HttpStatusCode.OK);

        var error = await org.PostExpectingAsync($"/api/v1/invoices/{invoice.Id()}/void", null, HttpStatusCode.Conflict);

        error.ErrorCode().ShouldBe("conflict");
        (await org.GetAsync($"/api/v1/invoices/{invoice.Id()}")).Text("status").ShouldBe("paid");
    }

    [Fact]
    public async Task A_bill_from_draft_to_paid_posts_expense_input_vat_and_payables_and_emits_its_events()
    {
        using var org = await Organisation.CreateAsync(factory);
        var supplier = await org.CreateContactAsync("supplier", "Office Supplies Ltd");
        var bill = await org.PostExpectingAsync("/api/v1/bills", new
        {
            contact_id = supplier,
            bill_number = "OS-7781",
            issue_date = "2026-04-02",
            due_date = "2026-05-02",
            currency = "GBP",
            lines = new[] { new { description = "Paper", quantity = 10, unit_price = 4.99m, vat_rate = 20, account_id = org.Account("461") } },
        }, HttpStatusCode.Created);
        (bill.Text("bill_number"), bill.Number("subtotal"), bill.Number("vat_total"), bill.Number("total")).ShouldBe(("OS-7781", 49.90m, 9.98m, 59.88m));

        var approved = await org.PostExpectingAsync($"/api/v1/bills/{bill.Id()}/approve", null, HttpStatusCode.OK);
        approved.Text("status").ShouldBe("approved");
        Lines(await org.GetAsync($"/api/v1/journal-entries/{approved.Text("journal_entry_id")}")).ShouldBe(
        [
            ("461", 49.90m, null, "purchases_net", 20m),
            ("820", 9.98m, null, "input_vat", null),
            ("800", null, 59.88m, null, null),
        ]);

        var paid = await org.PostExpectingAsync($"/api/v1/bills/{bill.Id()}/payments", new { amount = 59.88m, date = "2026-04-30" }, HttpStatusCode.OK);
        paid.Text("status").ShouldBe("paid");
        Lines(await org.GetAsync($"/api/v1/journal-entries/{paid.GetProperty("payments")[0].Text("journal_entry_id")}"))
            .ShouldBe([("800", 59.88m, null, null, null), ("090", null, 59.88m, null, null)]);

        (await org.EventsAsync()).Select(e => e.Type).ShouldBe(
            ["contact.created", "bill.created", "journal_entry.posted", "bill.approved", "journal_entry.posted", "payment.made", "bill.paid"]);
    }

    [Fact]
    public async Task An_invoice_for_a_supplier_or_an_unknown_contact_is_a_422()
    {
        using var org = await Organisation.CreateAsync(factory);
        var supplier = await org.CreateContactAsync("supplier");

        var wrongType = await org.PostExpectingAsync("/api/v1/invoices", Organisation.InvoiceBody(supplier), HttpStatusCode.UnprocessableEntity);
        var unknown = await org.PostExpectingAsync("/api/v1/invoices", Organisation.InvoiceBody("ct_doesnotexist"), HttpStatusCode.UnprocessableEntity);

        wrongType.ErrorFields().ShouldBe(["contact_id"]);
        unknown.ErrorFields().ShouldBe(["contact_id"]);
    }

    private static List<(string Code, decimal? Debit, decimal? Credit, string? VatRole, decimal? VatRate)> Lines(JsonElement entry) =>
    [
        .. entry.GetProperty("lines").EnumerateArray().Select(l => (
            l.Text("account_code"),
            l.GetProperty("debit").ValueKind == JsonValueKind.Null ? (decimal?)null : l.Number("debit"),
            l.GetProperty("credit").ValueKind == JsonValueKind.Null ? (decimal?)null : l.Number("credit"),
            l.GetProperty("vat_role").GetString(),
            l.GetProperty("vat_rate").ValueKind == JsonValueKind.Null ? (decimal?)null : l.Number("vat_rate"))),
    ];
}
