using System.Diagnostics;
using System.Globalization;
using System.Text;
using Accounting.Contracts.Ledger;
using static Accounting.Reports.Tests.TestLine;

namespace Accounting.Reports.Tests;

/// <summary>
/// Random mixed postings compared with hledger, an independent double-entry engine, to the penny.
/// The entries are the ledger's <c>journal_entry.posted</c> events built here (manual entries,
/// reversals, invoices sent, paid and voided, bills approved and paid) and published through the
/// real broker, shuffled and partly duplicated; hledger reads the same postings as a journal file.
/// </summary>
[Collection(nameof(ReportsHosts))]
public sealed class HledgerComparisonTests(ReportsFactory factory) : IClassFixture<ReportsFactory>
{
    [Fact]
    public async Task Trial_balance_profit_and_loss_and_balance_sheet_agree_with_hledger_on_random_postings()
    {
        using var books = factory.NewOrganisation();
        var random = new Random(20261201);
        var entries = RandomOperations(books, random, 300);
        var deliveries = entries.Concat(entries.Where(_ => random.Next(10) == 0).Select(e => e with { EventId = Guid.CreateVersion7() }))
            .OrderBy(_ => random.Next()).ToArray();
        await books.PublishAsync(deliveries);
        await books.AppliedUpToAsync(entries.Count);
        var journal = Path.Combine(Path.GetTempPath(), $"reports-{books.OrganisationId}.journal");
        await File.WriteAllTextAsync(journal, Journal(entries));

        try
        {
            var trial = await books.GetAsync("/api/v1/reports/trial-balance?as_of=2026-12-31");
            var balances = (await HledgerAsync(journal, "bal", "--flat", "-e", "2027-01-01"))
                .Where(r => r[0] != "account" && r[0] != "total")
                .ToDictionary(r => r[0], r => Amount(r[1]));
            var ours = trial.GetProperty("accounts").EnumerateArray()
                .ToDictionary(a => HledgerName(a.Text("type"), a.Text("code")), a => a.Number("debit") - a.Number("credit"));
            ours.OrderBy(p => p.Key, StringComparer.Ordinal).ShouldBe(balances.Where(b => b.Value != 0).OrderBy(p => p.Key, StringComparer.Ordinal));

            var profit = await books.GetAsync("/api/v1/reports/profit-loss?from=2026-01-01&to=2026-12-31");
            var income = await HledgerAsync(journal, "is", "-b", "2026-01-01", "-e", "2027-01-01");
            profit.Number("net_profit").ShouldBe(Amount(income.Single(r => r[0] == "Net:")[1]));
            profit.GetProperty("income").Number("total").ShouldBe(SectionTotal(income, "Revenues"));
            (profit.GetProperty("cost_of_sales").Number("total") + profit.GetProperty("expenses").Number("total")).ShouldBe(SectionTotal(income, "Expenses"));

            var sheet = await books.GetAsync("/api/v1/reports/balance-sheet?as_of=2026-09-30");
            var position = await HledgerAsync(journal, "bs", "-e", "2026-10-01");
            sheet.Number("total_assets").ShouldBe(SectionTotal(position, "Assets"));
            sheet.GetProperty("liabilities").Number("total").ShouldBe(SectionTotal(position, "Liabilities"));
            sheet.GetProperty("equity").Number("total").ShouldBe(Amount(position.Single(r => r[0] == "Net:")[1]));
            sheet.Number("total_liabilities_and_equity").ShouldBe(sheet.Number("total_assets"));
        }
        finally
        {
            File.Delete(journal);
        }
    }

    public static List<JournalEntryPosted> RandomOperations(TestBooks books, Random random, int count)
    {
        var entries = new List<JournalEntryPosted>();
        var invoices = new List<JournalEntryPosted>();
        var bills = new List<JournalEntryPosted>();
        var start = new DateOnly(2025, 1, 1);
        decimal Money(int max) => random.Next(1, max * 100) / 100m;
        DateOnly Day() => start.AddDays(random.Next(0, 730));
        while (entries.Count < count)
        {
            var kind = random.Next(7);
            JournalEntryPosted entry;
            if (kind == 0 && invoices.Count > 0)
            {
                // Paid or voided: either settles the receivable.
                var invoice = invoices[random.Next(invoices.Count)];
                invoices.Remove(invoice);
                var gross = invoice.Lines[0].Debit;
                entry = random.Next(2) == 0
                    ? books.Entry(invoice.Date.AddDays(random.Next(0, 60)), Dr(TestAccount.Bank, gross), Cr(TestAccount.Debtors, gross))
                    : books.Entry(invoice.Date.AddDays(random.Next(0, 60)), [.. invoice.Lines.Select(Reversed)]);
            }
            else if (kind == 1 && bills.Count > 0)
            {
                var bill = bills[random.Next(bills.Count)];
                bills.Remove(bill);
                var gross = bill.Lines[^1].Credit;
                entry = books.Entry(bill.Date.AddDays(random.Next(0, 60)), Dr(TestAccount.Creditors, gross), Cr(TestAccount.Bank, gross));
            }
            else if (kind == 2)
            {
                var net = Money(5_000);
                var rate = new[] { 20m, 5m, 0m }[random.Next(3)];
                var vat = decimal.Round(net * rate / 100, 2, MidpointRounding.AwayFromZero);
                TestLine[] lines = vat == 0
                    ? [Dr(TestAccount.Debtors, net), Cr(TestAccount.Sales, net, "sales_net", rate)]
                    : [Dr(TestAccount.Debtors, net + vat), Cr(TestAccount.Sales, net, "sales_net", rate), Cr(TestAccount.Vat, vat, "output_vat", rate)];
                entry = books.Entry(Day(), lines);
                invoices.Add(entry);
            }
            else if (kind == 3)
            {
                var net = Money(3_000);
                var vat = decimal.Round(net * 0.2m, 2, MidpointRounding.AwayFromZero);
                var expense = random.Next(2) == 0 ? TestAccount.CostOfSales : TestAccount.Rent;
                entry = books.Entry(Day(), Dr(expense, net, "purchases_net", 20), Dr(TestAccount.Vat, vat, "input_vat", 20), Cr(TestAccount.Creditors, net + vat));
                bills.Add(entry);
            }
            else if (kind == 4 && entries.Count > 0)
            {
                var original = entries[random.Next(entries.Count)];
                entry = books.Entry(original.Date.AddDays(random.Next(0, 30)), [.. original.Lines.Select(Reversed)]);
            }
            else
            {
                // A manual entry: one to three debits against one or two credits.
                var debits = Enumerable.Range(0, random.Next(1, 4)).Select(_ => Dr(TestAccount.All[random.Next(TestAccount.All.Count)], Money(2_000))).ToList();
                var total = debits.Sum(d => d.Debit);
                var split = random.Next(2) == 0 || total < 0.02m ? total : decimal.Round(total * (decimal)random.NextDouble(), 2) is var part && part > 0 && part < total ? part : total;
                var credits = split == total
                    ? [Cr(TestAccount.All[random.Next(TestAccount.All.Count)], total)]
                    : new List<TestLine> { Cr(TestAccount.All[random.Next(TestAccount.All.Count)], split), Cr(TestAccount.All[random.Next(TestAccount.All.Count)], total - split) };
                entry = books.Entry(Day(), [.. debits, .. credits]);
            }

            entries.Add(entry);
        }

        return entries;
    }

    private static TestLine Reversed(JournalLinePosted line)
    {
        var account = TestAccount.All.Single(a => a.Code == line.AccountCode);
        return new TestLine(account, line.Credit, line.Debit, line.VatRole, line.VatRate);
    }

    private static string HledgerName(string type, string code) => (type switch
    {
        "asset" => "assets",
        "liability" => "liabilities",
        "equity" => "equity",
        "income" => "revenues",
        _ => "expenses",
    }) + ":" + code;

    public static string Journal(IEnumerable<JournalEntryPosted> entries)
    {
        var journal = new StringBuilder();
        foreach (var entry in entries)
        {
            journal.Append(CultureInfo.InvariantCulture, $"{entry.Date:yyyy-MM-dd} {entry.JournalEntryId}\n");
            foreach (var line in entry.Lines)
            {
                journal.Append(CultureInfo.InvariantCulture, $"    {HledgerName(line.AccountType, line.AccountCode)}    {line.Debit - line.Credit:0.00}\n");
            }

            journal.Append('\n');
        }

        return journal.ToString();
    }

    private static decimal SectionTotal(List<string[]> rows, string section) =>
        Amount(rows.SkipWhile(r => r[0] != section).First(r => r[0] == "total")[1]);

    private static decimal Amount(string text) => decimal.Parse(text, NumberStyles.Number | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

    public static async Task<List<string[]>> HledgerAsync(string journal, params string[] arguments)
    {
        var start = new ProcessStartInfo("hledger") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["-f", journal, .. arguments, "-O", "csv"])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("hledger did not start (./dev test installs it).");
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        process.ExitCode.ShouldBe(0, error);
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(row => row.Split(',').Select(cell => cell.Trim('"', '\r')).ToArray())];
    }

}
