using System.Text.Json.Nodes;
using Accounting.Contracts;
using Accounting.Contracts.Ledger;
using Accounting.Reports.ReadModel;
using Accounting.ServiceDefaults;
using Accounting.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using static Accounting.Reports.Tests.TestLine;

namespace Accounting.Reports.Tests;

[Collection(nameof(ReportsHosts))]
public sealed class RebuildTests(ReportsFactory factory) : IClassFixture<ReportsFactory>
{
    [Fact]
    public async Task The_rebuild_command_gives_every_report_the_figures_it_gave_before()
    {
        using var books = factory.NewOrganisation();
        var acme = Ids.New("ct");
        var invoice = Ids.New("inv");
        var payment = Ids.New("pay");
        var sale = Sourced(books.Entry(new(2026, 3, 2), Dr(TestAccount.Debtors, 1_200m), Cr(TestAccount.Sales, 1_000m, "sales_net", 20), Cr(TestAccount.Vat, 200m, "output_vat", 20)), "invoice", invoice);
        var received = Sourced(books.Entry(new(2026, 4, 20), Dr(TestAccount.Bank, 700m), Cr(TestAccount.Debtors, 700m)), "invoice_payment", payment);
        var random = new Random(42);
        var entries = new List<JournalEntryPosted>
        {
            books.Entry(new(2024, 11, 5), Dr(TestAccount.Bank, 25_000m), Cr(TestAccount.Capital, 25_000m)),
            sale,
            received,
            books.Entry(new(2026, 5, 2), "EUR", Dr(TestAccount.Bank, 99.99m), Cr(TestAccount.Sales, 99.99m)),
        };
        for (var i = 0; i < 60; i++)
        {
            var amount = random.Next(1, 200_000) / 100m;
            var vat = decimal.Round(amount * 0.2m, 2);
            entries.Add(books.Entry(new DateOnly(2025, 1, 3).AddDays(i * 9), Dr(i % 3 == 0 ? TestAccount.CostOfSales : TestAccount.Rent, amount, "purchases_net", 20), Dr(TestAccount.Vat, vat, "input_vat", 20), Cr(TestAccount.Creditors, amount + vat)));
        }

        await books.PublishAsync([.. entries]);
        await PublishAsync(
            new ContactCreated { OrganisationId = books.OrganisationId, Id = acme, Type = "customer", Name = "Acme Ltd" },
            new InvoiceSent
            {
                OrganisationId = books.OrganisationId, Id = invoice, InvoiceNumber = "INV-0001", ContactId = acme, Subtotal = 1_000m, VatTotal = 200m, Total = 1_200m,
                Currency = "GBP", IssueDate = sale.Date, DueDate = sale.Date.AddDays(30), JournalEntryId = sale.JournalEntryId,
            },
            new PaymentReceived
            {
                OrganisationId = books.OrganisationId, Id = payment, InvoiceId = invoice, InvoiceNumber = "INV-0001", ContactId = acme, Amount = 700m, Currency = "GBP",
                Date = received.Date, BankAccountId = books.AccountId(TestAccount.Bank), AmountDue = 500m, JournalEntryId = received.JournalEntryId,
            });
        await books.AppliedUpToAsync(entries.Count);
        var before = await EveryReportAsync(books);
        before["/api/v1/reports/aged-receivables"]["totals"]!["total"]!.GetValue<decimal>().ShouldBe(500m);

        using var output = new StringWriter();
        var exitCode = await RebuildCommand.RunAsync(factory.Services, ["rebuild", "--organisation", books.OrganisationId], output, default);

        exitCode.ShouldBe(0);
        output.ToString().ShouldContain($"Rebuilt {books.OrganisationId} up to sequence {entries.Count}.");
        var after = await EveryReportAsync(books);
        after.Keys.ShouldBe(before.Keys);
        foreach (var (path, report) in before)
        {
            after[path].ToJsonString().ShouldBe(report.ToJsonString(), path);
        }
    }

    [Theory]
    [InlineData("rebuild")]
    [InlineData("rebuild --organisation")]
    [InlineData("rebuild --organisation acme")]
    [InlineData("rebuild --org org_1")]
    public async Task A_malformed_rebuild_command_changes_nothing_and_says_how_to_call_it(string commandLine)
    {
        using var output = new StringWriter();

        var exitCode = await RebuildCommand.RunAsync(factory.Services, commandLine.Split(' '), output, default);

        exitCode.ShouldBe(2);
        output.ToString().ShouldStartWith("Usage: dotnet Accounting.Reports.dll rebuild --organisation org_");
    }

    [Fact]
    public async Task An_aged_report_lacking_the_invoice_an_applied_entry_posted_says_it_is_incomplete_until_it_arrives()
    {
        using var books = factory.NewOrganisation();
        var invoice = Ids.New("inv");
        var sale = Sourced(books.Entry(new(2026, 6, 1), Dr(TestAccount.Debtors, 240m), Cr(TestAccount.Sales, 240m)), "invoice", invoice);
        await books.PublishAsync(sale);
        await books.AppliedUpToAsync(1);

        var waiting = books.GetAsync("/api/v1/reports/aged-receivables");
        var answered = await Eventually.HoldsAsync(() =>
        {
            factory.Clock.Advance(TimeSpan.FromSeconds(1));
            return waiting.IsCompleted;
        }, TimeSpan.FromSeconds(60));
        answered.ShouldBeTrue();
        var lacking = await waiting;
        await PublishAsync(new InvoiceSent
        {
            OrganisationId = books.OrganisationId, Id = invoice, InvoiceNumber = "INV-0002", ContactId = Ids.New("ct"), Subtotal = 240m, VatTotal = 0m, Total = 240m,
            Currency = "GBP", IssueDate = sale.Date, DueDate = sale.Date.AddDays(30), JournalEntryId = sale.JournalEntryId,
        });
        var complete = await books.GetAsync("/api/v1/reports/aged-receivables");

        (lacking.GetProperty("complete").GetBoolean(), lacking.GetProperty("behind_by").GetInt64(), lacking.GetProperty("totals").Number("total")).ShouldBe((false, 1, 0m));
        (complete.GetProperty("complete").GetBoolean(), complete.GetProperty("totals").Number("total")).ShouldBe((true, 240m));
        (await books.GetAsync("/api/v1/reports/trial-balance")).GetProperty("complete").GetBoolean().ShouldBeTrue();
    }

    // The ledger's copy names the document too: a replay brings the same entry.
    private JournalEntryPosted Sourced(JournalEntryPosted entry, string sourceType, string sourceId)
    {
        var sourced = entry with { SourceType = sourceType, SourceId = sourceId };
        factory.Ledger.Commit(sourced);
        return sourced;
    }

    private async Task PublishAsync(params IntegrationEvent[] events)
    {
        var bus = factory.Services.GetRequiredService<IBus>();
        foreach (var message in events)
        {
            await bus.Publish(message, message.GetType());
        }
    }

    /// <summary>Every report of the organisation (each account's general ledger, both currencies), without the time it was generated.</summary>
    private static async Task<Dictionary<string, JsonObject>> EveryReportAsync(TestBooks books)
    {
        List<string> paths =
        [
            "/api/v1/reports/profit-loss?from=2025-01-01&to=2025-12-31",
            "/api/v1/reports/profit-loss?from=2026-01-01&to=2026-06-15",
            "/api/v1/reports/profit-loss?from=2025-03-17&to=2026-02-11",
            "/api/v1/reports/balance-sheet",
            "/api/v1/reports/balance-sheet?as_of=2025-08-20",
            "/api/v1/reports/trial-balance",
            "/api/v1/reports/trial-balance?currency=EUR",
            "/api/v1/reports/vat?from=2025-01-01&to=2025-03-31",
            "/api/v1/reports/vat?from=2026-01-01&to=2026-03-31",
            "/api/v1/reports/aged-receivables",
            "/api/v1/reports/aged-payables",
        ];
        paths.AddRange(TestAccount.All.Where(a => a != TestAccount.Wages).Select(a => $"/api/v1/reports/general-ledger?account_id={books.AccountId(a)}&limit=100"));
        var reports = new Dictionary<string, JsonObject>();
        foreach (var path in paths)
        {
            var report = JsonNode.Parse((await books.GetAsync(path)).GetRawText())!.AsObject();
            report.Remove("generated_at");
            reports[path] = report;
        }

        return reports;
    }
}
