using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Accounting.Contracts;
using Accounting.Contracts.Ledger;
using Accounting.ServiceDefaults;
using Accounting.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace Accounting.Reports.Tests;

[Collection(nameof(ReportsHosts))]
public sealed class AgedReportTests(ReportsFactory factory) : IClassFixture<ReportsFactory>
{
    // The factory's clock: reports default to this day.
    private static readonly DateOnly AsOf = new(2026, 6, 15);

    [Fact]
    public async Task Invoices_land_in_buckets_by_days_past_due_and_add_up_per_contact_and_overall()
    {
        using var books = factory.NewOrganisation();
        var acme = await ContactAsync(books, "Acme Ltd");
        var bolt = await ContactAsync(books, "Bolt plc");
        await PublishAsync(
            Sent(books, acme, 100.10m, dueDaysAgo: 10),
            Sent(books, acme, 200m, dueDaysAgo: 45),
            Sent(books, acme, 300m, dueDaysAgo: 75),
            Sent(books, acme, 400m, dueDaysAgo: 120),
            Sent(books, acme, 50m, dueDaysAgo: -5),
            Sent(books, acme, 25m, dueDaysAgo: 0),
            Sent(books, bolt, 10.50m, dueDaysAgo: 45),
            Sent(books, bolt, 999m, dueDaysAgo: 45, issueDaysAgo: -1),
            Sent(books, bolt, 70m, dueDaysAgo: 45, currency: "USD"),
            new InvoiceCreated
            {
                OrganisationId = books.OrganisationId, Id = Ids.New("inv"), InvoiceNumber = "INV-9999", ContactId = bolt, Total = 5_000m, Currency = "GBP",
                IssueDate = AsOf.AddDays(-200), DueDate = AsOf.AddDays(-170),
            });
        await ArrivedAsync(books, "trade_documents", 9);

        var report = await books.GetAsync("/api/v1/reports/aged-receivables");

        report.Text("currency").ShouldBe("GBP");
        report.Text("as_of").ShouldBe("2026-06-15");
        report.GetProperty("complete").GetBoolean().ShouldBeTrue();
        report.TryGetProperty("ledger_position", out _).ShouldBeTrue();
        report.TryGetProperty("generated_at", out _).ShouldBeTrue();
        Rows(report).ShouldBe(
        [
            (acme, "Acme Ltd", 75m, 100.10m, 200m, 300m, 400m, 1_075.10m),
            (bolt, "Bolt plc", 0m, 0m, 10.50m, 0m, 0m, 10.50m),
        ]);
        Buckets(report.GetProperty("totals")).ShouldBe((75m, 100.10m, 210.50m, 300m, 400m, 1_085.60m));
        report.GetProperty("contacts")[0].GetRawText().ShouldContain("\"days_1_30\":100.10");

        var usd = await books.GetAsync("/api/v1/reports/aged-receivables?currency=USD");
        usd.Text("currency").ShouldBe("USD");
        Rows(usd).ShouldBe([(bolt, "Bolt plc", 0m, 0m, 70m, 0m, 0m, 70m)]);

        var later = await books.GetAsync("/api/v1/reports/aged-receivables?as_of=2026-06-16");
        Buckets(later.GetProperty("totals")).ShouldBe((50m, 125.10m, 1_209.50m, 300m, 400m, 2_084.60m));
    }

    [Fact]
    public async Task A_payment_reduces_what_is_due_from_its_own_date_and_not_before()
    {
        using var books = factory.NewOrganisation();
        var acme = await ContactAsync(books, "Acme Ltd");
        var invoice = Sent(books, acme, 500m, dueDaysAgo: 20);
        var settled = Sent(books, acme, 60m, dueDaysAgo: 50);
        await PublishAsync(
            invoice,
            settled,
            Received(invoice, 120m, AsOf.AddDays(-5)),
            Received(invoice, 80m, AsOf.AddDays(3)),
            Received(settled, 60m, AsOf.AddDays(-1)));
        await ArrivedAsync(books, "trade_payments", 3);
        await ArrivedAsync(books, "trade_documents", 2);

        var today = await books.GetAsync("/api/v1/reports/aged-receivables?as_of=2026-06-15");
        var beforeAnyPayment = await books.GetAsync("/api/v1/reports/aged-receivables?as_of=2026-06-01");
        var afterBoth = await books.GetAsync("/api/v1/reports/aged-receivables?as_of=2026-06-18");

        Rows(today).ShouldBe([(acme, "Acme Ltd", 0m, 380m, 0m, 0m, 0m, 380m)]);
        Rows(beforeAnyPayment).ShouldBe([(acme, "Acme Ltd", 0m, 500m, 60m, 0m, 0m, 560m)]);
        Rows(afterBoth).ShouldBe([(acme, "Acme Ltd", 0m, 300m, 0m, 0m, 0m, 300m)]);
    }

    [Fact]
    public async Task A_voided_invoice_is_owed_until_its_void_date_and_not_from_it_on()
    {
        using var books = factory.NewOrganisation();
        var acme = await ContactAsync(books, "Acme Ltd");
        var kept = Sent(books, acme, 40m, dueDaysAgo: 5);
        var voided = Sent(books, acme, 300m, dueDaysAgo: 5);
        await PublishAsync(
            new InvoiceVoided
            {
                OrganisationId = books.OrganisationId, OccurredAt = new DateTimeOffset(2026, 6, 13, 16, 30, 0, TimeSpan.Zero),
                Id = voided.Id, InvoiceNumber = voided.InvoiceNumber, ContactId = acme, Total = voided.Total, Currency = "GBP", ReversalJournalEntryId = Ids.New("je"),
            },
            kept,
            voided);
        await ArrivedAsync(books, "trade_voids", 1);
        await ArrivedAsync(books, "trade_documents", 2);

        var dayBefore = await books.GetAsync("/api/v1/reports/aged-receivables?as_of=2026-06-12");
        var voidDay = await books.GetAsync("/api/v1/reports/aged-receivables?as_of=2026-06-13");
        var today = await books.GetAsync("/api/v1/reports/aged-receivables");

        Buckets(dayBefore.GetProperty("totals")).Total.ShouldBe(340m);
        Buckets(voidDay.GetProperty("totals")).Total.ShouldBe(40m);
        Rows(today).ShouldBe([(acme, "Acme Ltd", 0m, 40m, 0m, 0m, 0m, 40m)]);
    }

    [Fact]
    public async Task Approved_bills_less_payments_made_are_aged_payables_and_never_receivables()
    {
        using var books = factory.NewOrganisation();
        var supplier = await ContactAsync(books, "Office Supplies Ltd", "supplier");
        var customer = await ContactAsync(books, "Acme Ltd");
        var bill = new BillApproved
        {
            OrganisationId = books.OrganisationId, Id = Ids.New("bill"), BillNumber = "OS-7781", ContactId = supplier, Subtotal = 1_000m, VatTotal = 200m, Total = 1_200m,
            Currency = "GBP", IssueDate = AsOf.AddDays(-70), DueDate = AsOf.AddDays(-40), JournalEntryId = Ids.New("je"),
        };
        await PublishAsync(
            bill,
            new PaymentMade
            {
                OrganisationId = books.OrganisationId, Id = Ids.New("pay"), BillId = bill.Id, BillNumber = bill.BillNumber, ContactId = supplier, Amount = 200.01m,
                Currency = "GBP", Date = AsOf.AddDays(-10), BankAccountId = "acc_bank", AmountDue = 999.99m, JournalEntryId = Ids.New("je"),
            },
            Sent(books, customer, 75m, dueDaysAgo: 100));
        await ArrivedAsync(books, "trade_payments", 1);
        await ArrivedAsync(books, "trade_documents", 2);

        var payables = await books.GetAsync("/api/v1/reports/aged-payables");
        var receivables = await books.GetAsync("/api/v1/reports/aged-receivables");

        Rows(payables).ShouldBe([(supplier, "Office Supplies Ltd", 0m, 0m, 999.99m, 0m, 0m, 999.99m)]);
        Rows(receivables).ShouldBe([(customer, "Acme Ltd", 0m, 0m, 0m, 0m, 75m, 75m)]);
    }

    [Fact]
    public async Task Another_organisations_documents_never_appear()
    {
        using var theirs = factory.NewOrganisation();
        using var ours = factory.NewOrganisation();
        var contact = await ContactAsync(theirs, "Shared Name Ltd");
        var invoice = Sent(theirs, contact, 900m, dueDaysAgo: 30);
        await PublishAsync(invoice, Received(invoice, 100m, AsOf.AddDays(-1)), Sent(ours, contact, 12m, dueDaysAgo: 1));
        await ArrivedAsync(theirs, "trade_payments", 1);
        await ArrivedAsync(theirs, "trade_documents", 1);
        await ArrivedAsync(ours, "trade_documents", 1);

        var report = await ours.GetAsync("/api/v1/reports/aged-receivables");

        // Our organisation never heard of the contact: its name is unknown here, and only our 12.00 is due.
        Rows(report).ShouldBe([(contact, null, 0m, 12m, 0m, 0m, 0m, 12m)]);
        Buckets(report.GetProperty("totals")).Total.ShouldBe(12m);
    }

    [Fact]
    public async Task An_invoice_sent_before_issue_dates_were_in_its_event_counts_from_the_day_it_was_sent()
    {
        using var books = factory.NewOrganisation();
        var acme = await ContactAsync(books, "Acme Ltd");
        var old = Sent(books, acme, 80m, dueDaysAgo: 0) with { IssueDate = null, OccurredAt = new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero) };
        await PublishAsync(old);
        await ArrivedAsync(books, "trade_documents", 1);

        var before = await books.GetAsync("/api/v1/reports/aged-receivables?as_of=2026-05-31");
        var sentDay = await books.GetAsync("/api/v1/reports/aged-receivables?as_of=2026-06-01");

        Rows(before).ShouldBeEmpty();
        Buckets(sentDay.GetProperty("totals")).Current.ShouldBe(80m);
    }

    [Fact]
    public async Task Csv_has_a_row_per_contact_and_the_totals_last()
    {
        using var books = factory.NewOrganisation();
        var acme = await ContactAsync(books, "=HYPERLINK(\"x\")");
        await PublishAsync(Sent(books, acme, 100m, dueDaysAgo: 45), Sent(books, acme, 20.5m, dueDaysAgo: -1));
        await ArrivedAsync(books, "trade_documents", 2);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/reports/aged-receivables?as_of=2026-06-15");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));

        var response = await books.Client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        var rows = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        rows.ShouldBe(
        [
            "contact_id,name,current,days_1_30,days_31_60,days_61_90,days_over_90,total",
            $"{acme},\"'=HYPERLINK(\"\"x\"\")\",20.50,0.00,100.00,0.00,0.00,120.50",
            ",Total,20.50,0.00,100.00,0.00,0.00,120.50",
        ]);
    }

    [Theory]
    [InlineData("aged-receivables?as_of=2026-02-30", "as_of")]
    [InlineData("aged-receivables?as_of=15/06/2026", "as_of")]
    [InlineData("aged-payables?as_of=2026-06-15&from=2026-01-01", "from")]
    [InlineData("aged-payables?currency=XYZ", "currency")]
    [InlineData("aged-receivables?contact_id=ct_1", "contact_id")]
    public async Task Bad_input_is_a_422_naming_the_parameter(string query, string field)
    {
        using var books = factory.NewOrganisation();

        var response = await books.GetAsync("/api/v1/reports/" + query, HttpStatusCode.UnprocessableEntity);

        response.ErrorCode().ShouldBe("validation_failed");
        response.ErrorFields().ShouldBe([field]);
    }

    [Theory]
    [InlineData("aged-receivables")]
    [InlineData("aged-payables")]
    public async Task Aged_reports_need_the_reports_read_scope(string report)
    {
        using var client = factory.CreateClientFor(TestIdentity.Caller(Ids.New("org"), "invoices:read"));

        var response = await Api.ExpectAsync(await client.GetAsync(new Uri("/api/v1/reports/" + report, UriKind.Relative)), HttpStatusCode.Forbidden);

        response.ErrorCode().ShouldBe("insufficient_scope");
    }

    private static InvoiceSent Sent(TestBooks books, string contactId, decimal total, int dueDaysAgo, int? issueDaysAgo = null, string currency = "GBP") => new()
    {
        OrganisationId = books.OrganisationId,
        Id = Ids.New("inv"),
        InvoiceNumber = "INV-0001",
        ContactId = contactId,
        Subtotal = total,
        VatTotal = 0,
        Total = total,
        Currency = currency,
        IssueDate = AsOf.AddDays(-(issueDaysAgo ?? Math.Max(dueDaysAgo, 0) + 30)),
        DueDate = AsOf.AddDays(-dueDaysAgo),
        JournalEntryId = Ids.New("je"),
    };

    private static PaymentReceived Received(InvoiceSent invoice, decimal amount, DateOnly date) => new()
    {
        OrganisationId = invoice.OrganisationId,
        Id = Ids.New("pay"),
        InvoiceId = invoice.Id,
        InvoiceNumber = invoice.InvoiceNumber,
        ContactId = invoice.ContactId,
        Amount = amount,
        Currency = invoice.Currency,
        Date = date,
        BankAccountId = "acc_bank",
        AmountDue = 0,
        JournalEntryId = Ids.New("je"),
    };

    private async Task<string> ContactAsync(TestBooks books, string name, string type = "customer")
    {
        var contact = new ContactCreated { OrganisationId = books.OrganisationId, Id = Ids.New("ct"), Type = type, Name = name };
        await PublishAsync(contact);
        await ArrivedAsync(books, "contacts", null, contact.Id);
        return contact.Id;
    }

    private async Task PublishAsync(params IntegrationEvent[] events)
    {
        var bus = factory.Services.GetRequiredService<IBus>();
        foreach (var message in events)
        {
            await bus.Publish(message, message.GetType());
        }
    }

    /// <summary>Waits (with a deadline) until <paramref name="table"/> holds <paramref name="count"/> of the organisation's rows (or the contact).</summary>
    private async Task ArrivedAsync(TestBooks books, string table, int? count, string? contactId = null)
    {
        var sql = contactId is null
            ? $"SELECT count(*) FROM {table} WHERE organisation_id = @OrganisationId"
            : $"SELECT count(*) FROM {table} WHERE organisation_id = @OrganisationId AND contact_id = @contactId";
        var expected = count ?? 1;
        var arrived = await Eventually.HoldsAsync(
            async () => await factory.ScalarAsync<long>(sql, new { books.OrganisationId, contactId }) >= expected, TimeSpan.FromSeconds(60));
        arrived.ShouldBeTrue($"{table} did not receive {expected} rows of {books.OrganisationId}");
    }

    private static IReadOnlyList<(string, string?, decimal, decimal, decimal, decimal, decimal, decimal)> Rows(JsonElement report) =>
        [.. report.GetProperty("contacts").EnumerateArray().Select(c =>
        {
            var (current, days30, days60, days90, over90, total) = Buckets(c);
            return (c.Text("contact_id"), c.GetProperty("name").GetString(), current, days30, days60, days90, over90, total);
        })];

    private static (decimal Current, decimal Days1To30, decimal Days31To60, decimal Days61To90, decimal DaysOver90, decimal Total) Buckets(JsonElement buckets) =>
        (buckets.Number("current"), buckets.Number("days_1_30"), buckets.Number("days_31_60"), buckets.Number("days_61_90"), buckets.Number("days_over_90"), buckets.Number("total"));
}
