using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Accounting.Contracts.Ledger;
using Accounting.Reports.Tests;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

// One organisation, ~60 accounts, journal lines over three years published to RabbitMQ and applied
// by the service's own consumer; then p50/p99 of the reports, and hledger on the same postings.
//   dotnet run -c Release --project bench/reports -- [lines] [samples per report] [hledger: yes|no]
var targetLines = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
var samples = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 50;
var runHledger = args.Length <= 2 || args[2] != "no";

Environment.SetEnvironmentVariable("Logging__LogLevel__Default", "Warning");
// The test host finds the service's content root through its test assembly; this program is not one.
Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_ACCOUNTING_REPORTS",
    Path.Combine(Accounting.Testing.TestEnvironment.RepositoryRoot, "services", "reports", "Accounting.Reports"));
Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_ACCOUNTING_LEDGER",
    Path.Combine(Accounting.Testing.TestEnvironment.RepositoryRoot, "services", "ledger", "Accounting.Ledger"));

// The consumer's rate is measured on a backlog, as when the ledger's relay has published ahead of
// it (a restart, a slow spell): a first reports host applies entry 1 (so its queue exists and is
// bound) and stops; a ledger host, whose bus has no reports consumer, publishes the rest; then a
// second reports host on the same database starts, and the clock runs from its start until every
// entry is applied.
// Its queues must outlast the first host while the backlog is published.
var first = new ReportsFactory { QueueExpiry = TimeSpan.FromHours(2) };
var publisher = new HostedLedger();
await ((Xunit.IAsyncLifetime)first).InitializeAsync();
await ((Xunit.IAsyncLifetime)publisher).InitializeAsync();
var factory = new ReportsFactory { Ledger = first.Ledger, ConnectionString = first.Database.ConnectionString, QueuePrefix = first.QueuePrefix, QueueExpiry = first.QueueExpiry };
await ((Xunit.IAsyncLifetime)factory).InitializeAsync();
try
{
    using var seed = first.NewOrganisation();
    var accounts = Chart();
    var random = new Random(1_000_000);
    var entries = new List<JournalEntryPosted>();
    var lines = 0;
    var firstDay = new DateOnly(2024, 1, 1);
    while (lines < targetLines)
    {
        var count = Math.Min(random.Next(2, 9), Math.Max(2, targetLines - lines));
        var debits = Enumerable.Range(0, count - 1).Select(_ => TestLine.Dr(accounts[random.Next(accounts.Count)], random.Next(1, 500_000) / 100m)).ToList();
        var entry = seed.Entry(firstDay.AddDays(random.Next(0, 1096)), [.. debits, TestLine.Cr(accounts[random.Next(accounts.Count)], debits.Sum(d => d.Debit))]);
        entries.Add(entry);
        lines += count;
    }

    Console.WriteLine($"{lines:N0} lines in {entries.Count:N0} entries over {accounts.Count} accounts, 2024-01-01..2026-12-31");
    await seed.PublishAsync(entries[0]);
    await seed.AppliedUpToAsync(1);
    await first.DisposeAsync();

    var started = Stopwatch.GetTimestamp();
    var bus = publisher.Services.GetRequiredService<IBus>();
    foreach (var chunk in entries.Skip(1).Chunk(200))
    {
        await Task.WhenAll(chunk.Select(entry => bus.Publish(entry)));
    }

    var published = Stopwatch.GetElapsedTime(started);
    Console.WriteLine($"published {entries.Count - 1:N0} events in {published.TotalSeconds:F1} s ({(entries.Count - 1) / published.TotalSeconds:N0} events/s) with no reports consumer running");

    started = Stopwatch.GetTimestamp();
    using var books = new TestBooks(factory, seed.OrganisationId);
    await books.AppliedUpToAsyncWithin(entries.Count, TimeSpan.FromHours(2));
    var ingested = Stopwatch.GetElapsedTime(started);
    var backlogLines = lines - entries[0].Lines.Count;
    Console.WriteLine($"the consumer applied the backlog in {ingested.TotalSeconds:F1} s, host start included: {backlogLines / ingested.TotalSeconds:N0} lines/s ({(entries.Count - 1) / ingested.TotalSeconds:N0} entries/s)");

    var reports = new (string Name, string Path)[]
    {
        ("profit and loss 2025", "/api/v1/reports/profit-loss?from=2025-01-01&to=2025-12-31"),
        ("balance sheet 2026-12-31", "/api/v1/reports/balance-sheet?as_of=2026-12-31"),
        ("trial balance 2026-12-31", "/api/v1/reports/trial-balance?as_of=2026-12-31"),
    };
    var answers = new Dictionary<string, JsonElement>();
    // Three rounds of every report, one after another; each round's p50 and p99, then the median of the three.
    var p50s = reports.ToDictionary(r => r.Name, _ => new List<double>());
    foreach (var path in reports.Select(r => r.Path))
    {
        await books.GetAsync(path);
    }

    for (var round = 1; round <= 3; round++)
    {
        foreach (var (name, path) in reports)
        {
            answers[name] = await books.GetAsync(path);
            var times = new List<double>();
            for (var i = 0; i < samples; i++)
            {
                var at = Stopwatch.GetTimestamp();
                await books.GetAsync(path);
                times.Add(Stopwatch.GetElapsedTime(at).TotalMilliseconds);
            }

            times.Sort();
            p50s[name].Add(Percentile(times, 0.50));
            Console.WriteLine($"round {round}, {name}: p50 {Percentile(times, 0.50):F1} ms, p99 {Percentile(times, 0.99):F1} ms ({samples} requests)");
        }
    }

    foreach (var (name, medians) in p50s)
    {
        medians.Sort();
        Console.WriteLine($"{name}: median p50 of three rounds {medians[1]:F1} ms");
    }

    if (runHledger)
    {
        var journal = Path.Combine(Path.GetTempPath(), "bench-reports.journal");
        await File.WriteAllTextAsync(journal, HledgerComparisonTests.Journal(entries));
        var balances = await TimedAsync("hledger bal", () => HledgerComparisonTests.HledgerAsync(journal, "bal", "--flat", "-e", "2027-01-01"));
        var income = await TimedAsync("hledger is", () => HledgerComparisonTests.HledgerAsync(journal, "is", "-b", "2025-01-01", "-e", "2026-01-01"));
        var position = await TimedAsync("hledger bs", () => HledgerComparisonTests.HledgerAsync(journal, "bs", "-e", "2027-01-01"));
        var trial = answers["trial balance 2026-12-31"];
        var ourDebits = trial.GetProperty("total_debit").GetDecimal();
        var theirDebits = balances.Where(r => r[0] is not ("account" or "total")).Sum(r => Math.Max(0, Amount(r[1])));
        var ourNet = answers["profit and loss 2025"].GetProperty("net_profit").GetDecimal();
        var theirNet = Amount(income.Single(r => r[0] == "Net:")[1]);
        var ourAssets = answers["balance sheet 2026-12-31"].GetProperty("total_assets").GetDecimal();
        var theirAssets = Amount(position.SkipWhile(r => r[0] != "Assets").First(r => r[0] == "total")[1]);
        Console.WriteLine($"trial balance debits {ourDebits} vs hledger {theirDebits}; net profit 2025 {ourNet} vs {theirNet}; total assets {ourAssets} vs {theirAssets}: {(ourDebits == theirDebits && ourNet == theirNet && ourAssets == theirAssets ? "same" : "DIFFERENT")}");
        File.Delete(journal);
    }
}
finally
{
    await ((Xunit.IAsyncLifetime)factory).DisposeAsync();
    await ((Xunit.IAsyncLifetime)publisher).DisposeAsync();
    await ((Xunit.IAsyncLifetime)first).DisposeAsync();
}

static decimal Amount(string text) => decimal.Parse(text, NumberStyles.Number | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

static async Task<T> TimedAsync<T>(string name, Func<Task<T>> run)
{
    var at = Stopwatch.GetTimestamp();
    var result = await run();
    Console.WriteLine($"{name}: {Stopwatch.GetElapsedTime(at).TotalSeconds:F2} s");
    return result;
}

// About 60 accounts of every type, cost of sales among the expenses.
static List<TestAccount> Chart()
{
    var chart = new List<TestAccount>();
    void Add(int count, int code, string type, string subtype)
    {
        for (var i = 0; i < count; i++)
        {
            chart.Add(new TestAccount($"acc_{code + i}", (code + i).ToString(CultureInfo.InvariantCulture), $"{type} {i}", type, subtype));
        }
    }

    Add(10, 100, "asset", "current_asset");
    Add(8, 800, "liability", "current_liability");
    Add(4, 950, "equity", "equity");
    Add(10, 200, "income", "revenue");
    Add(4, 310, "expense", "direct_costs");
    Add(24, 400, "expense", "overhead");
    return chart;
}
