using System.Collections.Concurrent;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Accounting.Contracts.Ledger;
using Accounting.Reports.Ledger;
using Accounting.ServiceDefaults;
using Accounting.Testing;
using Dapper;
using MassTransit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Accounting.Reports.Tests;

/// <summary>
/// The classes that host the service run one at a time: on two cores, hosts running side by side
/// only slow each other down (every host receives every host's events, into its own queues).
/// </summary>
[CollectionDefinition(nameof(ReportsHosts), DisableParallelization = true)]
public sealed class ReportsHosts;

/// <summary>
/// The reports service on the real servers, with a clock the tests move and a stand-in for the
/// ledger (an HTTP party): what it has "committed" is what <see cref="Ledger"/> holds.
/// </summary>
public class ReportsFactory : ServiceFactory<Program>
{
    private readonly Lazy<NpgsqlDataSource> dataSource;

    public ReportsFactory()
        : base("reports") =>
        dataSource = new(() => NpgsqlDataSource.Create(ConnectionString ?? Database.ConnectionString));

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 6, 15, 9, 0, 0, TimeSpan.Zero));

    /// <summary>
    /// Queues of this host's own. With the service's shared names, every event any other host of the
    /// test run publishes (the ledger's tests post thousands of entries) would wait in this host's
    /// queues, and between runs pile up there for the next run to work through before its own.
    /// </summary>
    public string QueuePrefix { get; init; } = "reports-tests-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>
    /// How long the queues outlive their last consumer. Briefly: every bound queue receives its own copy of
    /// every event anyone publishes, so a stopped host's queues would otherwise keep taking copies.
    /// </summary>
    public TimeSpan QueueExpiry { get; init; } = TimeSpan.FromMinutes(2);

    public StubLedgerFeed Ledger { get; init; } = new();

    /// <summary>Set to host the service on another factory's database (a restart).</summary>
    public string? ConnectionString { get; init; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        base.ConfigureWebHost(builder);
        if (ConnectionString is not null)
        {
            builder.UseSetting("ConnectionStrings:Postgres", ConnectionString);
        }

        builder.UseSetting("Reports:FreshnessWait", "00:00:05");
        builder.UseSetting("Reports:QueuePrefix", QueuePrefix);
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(Clock);
            services.AddSingleton<ILedgerFeed>(Ledger);
            // The queues are new: they must be bound before a test publishes, or its first events have nowhere to go.
            services.Configure<MassTransitHostOptions>(options => options.WaitUntilStarted = true);
            services.AddSingleton<IConfigureReceiveEndpoint>(new ExpiringQueues(QueueExpiry));
        });
    }

    public TestBooks NewOrganisation() => new(this, Ids.New("org"));

    // One pool for the test's own queries: polling through a new data source every 50 ms would open a
    // connection and load its types each time, work that competes with the service on a loaded machine.
    public async Task<T> ScalarAsync<T>(string sql, object? parameters = null)
    {
        await using var connection = await dataSource.Value.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<T>(sql, parameters) ?? throw new InvalidOperationException("No value.");
    }

    public override async ValueTask DisposeAsync()
    {
        if (dataSource.IsValueCreated)
        {
            await dataSource.Value.DisposeAsync();
        }

        await base.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    private sealed class ExpiringQueues(TimeSpan expiry) : IConfigureReceiveEndpoint
    {
        public void Configure(string name, IReceiveEndpointConfigurator configurator)
        {
            if (configurator is IRabbitMqReceiveEndpointConfigurator rabbit)
            {
                rabbit.SetQueueArgument("x-expires", (int)expiry.TotalMilliseconds);
            }
        }
    }
}

/// <summary>The ledger as the reports service sees it over HTTP: its position and its entries, per organisation.</summary>
public sealed class StubLedgerFeed : ILedgerFeed
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<long, JournalEntryPosted>> committed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> positions = new(StringComparer.Ordinal);

    public void Commit(JournalEntryPosted entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        committed.GetOrAdd(entry.OrganisationId, _ => new())[entry.Sequence] = entry;
        positions.AddOrUpdate(entry.OrganisationId, entry.Sequence, (_, current) => Math.Max(current, entry.Sequence));
    }

    /// <summary>Claims a position beyond what was committed here, as a ledger would while events are still in flight.</summary>
    public void ClaimPosition(string organisationId, long position) => positions[organisationId] = position;

    public Task<long> PositionAsync(string organisationId, CancellationToken cancellationToken) =>
        Task.FromResult(positions.GetValueOrDefault(organisationId));

    public async IAsyncEnumerable<JournalEntryPosted> EntriesAsync(string organisationId, long afterSequence, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        if (!committed.TryGetValue(organisationId, out var entries))
        {
            yield break;
        }

        foreach (var entry in entries.Values.Where(e => e.Sequence > afterSequence).OrderBy(e => e.Sequence))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return entry;
        }
    }
}

public sealed record TestAccount(string Id, string Code, string Name, string Type, string Subtype)
{
    public static TestAccount Bank { get; } = new("acc_bank", "090", "Business Bank Account", "asset", "bank");
    public static TestAccount Debtors { get; } = new("acc_debtors", "610", "Trade Debtors", "asset", "current_asset");
    public static TestAccount Creditors { get; } = new("acc_creditors", "800", "Trade Creditors", "liability", "current_liability");
    public static TestAccount Vat { get; } = new("acc_vat", "820", "VAT", "liability", "current_liability");
    public static TestAccount Capital { get; } = new("acc_capital", "950", "Share Capital", "equity", "equity");
    public static TestAccount Sales { get; } = new("acc_sales", "200", "Sales", "income", "revenue");
    public static TestAccount CostOfSales { get; } = new("acc_cos", "310", "Cost of Sales", "expense", "direct_costs");
    public static TestAccount Rent { get; } = new("acc_rent", "469", "Rent and Rates", "expense", "overhead");
    public static TestAccount Wages { get; } = new("acc_wages", "477", "Wages", "expense", "overhead");

    public static IReadOnlyList<TestAccount> All { get; } = [Bank, Debtors, Creditors, Vat, Capital, Sales, CostOfSales, Rent, Wages];
}

public sealed record TestLine(TestAccount Account, decimal Debit, decimal Credit, string? VatRole = null, decimal? VatRate = null, string? Description = null)
{
    public static TestLine Dr(TestAccount account, decimal amount, string? vatRole = null, decimal? vatRate = null) => new(account, amount, 0, vatRole, vatRate);

    public static TestLine Cr(TestAccount account, decimal amount, string? vatRole = null, decimal? vatRate = null) => new(account, 0, amount, vatRole, vatRate);
}

/// <summary>One organisation's journal as the ledger would post it: entries numbered 1, 2, 3, … and committed to the stub ledger.</summary>
public sealed class TestBooks(ReportsFactory factory, string organisationId) : IDisposable
{
    private long sequence;

    public string OrganisationId { get; } = organisationId;

    // Accounts ids are per organisation in the ledger; so are they here.
    public string AccountId(TestAccount account) => $"{account.Id}_{OrganisationId[4..]}";

    public HttpClient Client { get; } = factory.CreateClientFor(TestIdentity.Caller(organisationId, "reports:read"));

    /// <summary>The next entry, committed to the ledger stand-in but not yet published.</summary>
    public JournalEntryPosted Entry(DateOnly date, params TestLine[] lines) => Entry(date, "GBP", lines);

    public JournalEntryPosted Entry(DateOnly date, string currency, params TestLine[] lines)
    {
        var entry = new JournalEntryPosted
        {
            OrganisationId = OrganisationId,
            JournalEntryId = Ids.New("je"),
            Sequence = Interlocked.Increment(ref sequence),
            Date = date,
            Currency = currency,
            Description = $"Entry {sequence}",
            SourceType = "manual",
            Lines = [.. lines.Select((l, i) => new JournalLinePosted
            {
                LineNumber = i + 1,
                AccountId = AccountId(l.Account),
                AccountCode = l.Account.Code,
                AccountName = l.Account.Name,
                AccountType = l.Account.Type,
                AccountSubtype = l.Account.Subtype,
                Debit = l.Debit,
                Credit = l.Credit,
                Description = l.Description,
                VatRole = l.VatRole,
                VatRate = l.VatRate,
            })],
        };
        factory.Ledger.Commit(entry);
        return entry;
    }

    public async Task PublishAsync(params JournalEntryPosted[] entries)
    {
        var bus = factory.Services.GetRequiredService<IBus>();
        foreach (var entry in entries)
        {
            await bus.Publish(entry);
        }
    }

    public Task<long> AppliedAsync() =>
        factory.ScalarAsync<long>("SELECT coalesce(max(applied_sequence), 0) FROM organisations WHERE organisation_id = @OrganisationId", new { OrganisationId });

    /// <summary>Waits (with a deadline) until the read model has applied <paramref name="position"/>.</summary>
    public Task AppliedUpToAsync(long position) => AppliedUpToAsyncWithin(position, TimeSpan.FromSeconds(60));

    public async Task AppliedUpToAsyncWithin(long position, TimeSpan deadline)
    {
        var reached = await Eventually.HoldsAsync(async () => await AppliedAsync() >= position, deadline);
        reached.ShouldBeTrue($"the read model did not reach sequence {position}; it is at {await AppliedAsync()}");
    }

    public async Task<JsonElement> GetAsync(string path, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var response = await Client.GetAsync(new Uri(path, UriKind.Relative));
        return await Api.ExpectAsync(response, expected);
    }

    public void Dispose() => Client.Dispose();
}

public static class ReportJson
{
    /// <summary>A section's lines as (code or name, amount).</summary>
    public static IReadOnlyList<(string, decimal)> Lines(this JsonElement section) =>
        [.. section.GetProperty("accounts").EnumerateArray().Select(a =>
            (a.GetProperty("code").ValueKind == JsonValueKind.Null ? a.Text("name") : a.Text("code"), a.Number("amount")))];
}
