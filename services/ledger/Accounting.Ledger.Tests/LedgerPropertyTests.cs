using System.Net;

namespace Accounting.Ledger.Tests;

public sealed class LedgerPropertyTests(LedgerFactory factory) : IClassFixture<LedgerFactory>
{
    [Fact]
    public async Task After_a_thousand_random_operations_debits_equal_credits_and_receivables_match_open_invoices()
    {
        using var org = await Organisation.CreateAsync(factory);
        var random = new Random(20260315);
        var customers = new[] { await org.CreateContactAsync(), await org.CreateContactAsync() };
        var suppliers = new[] { await org.CreateContactAsync("supplier"), await org.CreateContactAsync("supplier") };
        string[] postable = ["090", "200", "260", "310", "400", "469", "485", "820", "970", "980", "620"];
        var invoices = new List<string>();
        var bills = new List<string>();
        var entries = new List<string>();
        var outcomes = new Dictionary<string, int>();

        for (var i = 0; i < 1000; i++)
        {
            var (operation, response) = random.Next(8) switch
            {
                0 => ("entry", await org.PostAsync("/api/v1/journal-entries", RandomEntry(random, org, postable))),
                1 => ("invoice", await org.PostAsync("/api/v1/invoices", RandomDocument(random, customers))),
                2 => ("bill", await org.PostAsync("/api/v1/bills", RandomDocument(random, suppliers))),
                3 when invoices.Count > 0 => ("send", await org.PostAsync($"/api/v1/invoices/{Pick(random, invoices)}/send")),
                4 when bills.Count > 0 => ("approve", await org.PostAsync($"/api/v1/bills/{Pick(random, bills)}/approve")),
                5 when invoices.Count > 0 => ("receive", await org.PostAsync($"/api/v1/invoices/{Pick(random, invoices)}/payments", RandomPayment(random))),
                6 when bills.Count > 0 => ("pay", await org.PostAsync($"/api/v1/bills/{Pick(random, bills)}/payments", RandomPayment(random))),
                7 when invoices.Count > 0 && random.Next(3) == 0 => ("void", await org.PostAsync($"/api/v1/invoices/{Pick(random, invoices)}/void")),
                _ when entries.Count > 0 => ("reverse", await org.PostAsync($"/api/v1/journal-entries/{Pick(random, entries)}/reverse")),
                _ => ("entry", await org.PostAsync("/api/v1/journal-entries", RandomEntry(random, org, postable))),
            };

            // Refusals (paying a draft, overpaying, reversing twice…) are part of the run; anything else is a failure.
            ((int)response.StatusCode).ShouldBeOneOf([200, 201, 409, 422], $"{operation}: {await response.Content.ReadAsStringAsync()}");
            var key = $"{operation} {(int)response.StatusCode}";
            outcomes[key] = outcomes.GetValueOrDefault(key) + 1;
            if (response.StatusCode == HttpStatusCode.Created)
            {
                var id = (await Api.ExpectAsync(response, HttpStatusCode.Created)).Id();
                (operation switch { "invoice" => invoices, "bill" => bills, _ => entries }).Add(id);
            }
        }

        outcomes.GetValueOrDefault("receive 200").ShouldBeGreaterThan(10, string.Join(", ", outcomes));
        outcomes.GetValueOrDefault("void 200").ShouldBeGreaterThan(0, string.Join(", ", outcomes));
        (await org.ScalarAsync<long>("SELECT count(*) FROM journal_entries WHERE organisation_id = @Id")).ShouldBeGreaterThan(250);
        (await org.ScalarAsync<decimal>("SELECT sum(debit) - sum(credit) FROM journal_lines WHERE organisation_id = @Id")).ShouldBe(0m);
        (await org.ScalarAsync<long>("""
            SELECT count(*) FROM (SELECT journal_entry_id FROM journal_lines WHERE organisation_id = @Id
            GROUP BY journal_entry_id HAVING sum(debit) <> sum(credit) OR count(*) < 2) unbalanced
            """)).ShouldBe(0);
        var receivables = await org.ScalarAsync<decimal>("""
            SELECT coalesce(sum(l.debit - l.credit), 0) FROM journal_lines l JOIN accounts a ON a.id = l.account_id
            WHERE l.organisation_id = @Id AND a.system_role = 'receivables'
            """);
        var openInvoices = await org.ScalarAsync<decimal>(
            "SELECT coalesce(sum(total - amount_paid), 0) FROM trade_documents WHERE organisation_id = @Id AND kind = 'invoice' AND status IN ('sent', 'partially_paid')");
        receivables.ShouldBe(openInvoices);
        var payables = await org.ScalarAsync<decimal>("""
            SELECT coalesce(sum(l.credit - l.debit), 0) FROM journal_lines l JOIN accounts a ON a.id = l.account_id
            WHERE l.organisation_id = @Id AND a.system_role = 'payables'
            """);
        var openBills = await org.ScalarAsync<decimal>(
            "SELECT coalesce(sum(total - amount_paid), 0) FROM trade_documents WHERE organisation_id = @Id AND kind = 'bill' AND status IN ('approved', 'partially_paid')");
        payables.ShouldBe(openBills);
    }

    private static string Pick(Random random, List<string> ids) => ids[random.Next(ids.Count)];

    private static decimal Amount(Random random) => decimal.Round((decimal)random.Next(1, 500_000) / 100m, 2);

    private static object RandomEntry(Random random, Organisation org, string[] postable)
    {
        var debits = Enumerable.Range(0, random.Next(1, 4)).Select(_ => Amount(random)).ToList();
        var credits = SplitInto(random, debits.Sum(), random.Next(1, 4));
        var lines = debits.Select(d => Organisation.Debit(org.Account(postable[random.Next(postable.Length)]), d))
            .Concat(credits.Select(c => Organisation.Credit(org.Account(postable[random.Next(postable.Length)]), c)))
            .ToArray();
        return Organisation.Entry($"2026-{random.Next(1, 13):D2}-{random.Next(1, 29):D2}", lines);
    }

    private static List<decimal> SplitInto(Random random, decimal total, int parts)
    {
        var result = new List<decimal>();
        var left = total;
        for (var i = 1; i < parts && left > 0.01m * (parts - i); i++)
        {
            var part = decimal.Round(left * (decimal)random.NextDouble() * 0.9m, 2);
            if (part > 0)
            {
                result.Add(part);
                left -= part;
            }
        }

        result.Add(left);
        return result;
    }

    private static object RandomDocument(Random random, string[] contacts) => new
    {
        contact_id = contacts[random.Next(contacts.Length)],
        issue_date = $"2026-{random.Next(1, 13):D2}-{random.Next(1, 29):D2}",
        due_date = "2027-01-31",
        currency = "GBP",
        lines = Enumerable.Range(0, random.Next(1, 4)).Select(_ => new
        {
            description = "Item",
            quantity = decimal.Round((decimal)random.Next(1, 1000) / 100m, 2),
            unit_price = Amount(random),
            vat_rate = new[] { 0m, 5m, 20m, 17.5m }[random.Next(4)],
        }).ToArray(),
    };

    private static object RandomPayment(Random random) => new { amount = Amount(random) / 4, date = "2027-02-01" };
}
