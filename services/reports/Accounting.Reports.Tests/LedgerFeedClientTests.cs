extern alias ledger;

using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Accounting.Reports.Ledger;
using Accounting.ServiceDefaults;
using Accounting.Testing;
using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using DefaultChart = ledger::Accounting.Ledger.Chart.DefaultChart;

namespace Accounting.Reports.Tests;

/// <summary>A real ledger, hosted in the test, for the reports service's feed client to call.</summary>
public sealed class HostedLedger() : ServiceFactory<ledger::Program>("ledger");

/// <summary>The reports service's client of the ledger's internal feed, against a real ledger.</summary>
public sealed class LedgerFeedClientTests(HostedLedger ledger) : IClassFixture<HostedLedger>
{
    private ServiceProvider Feed(int pageSize = 500, string? signingKeyPath = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Ledger:BaseAddress"] = "http://ledger.test",
            ["Ledger:PageSize"] = pageSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ServiceIdentity:SigningKeyPath"] = signingKeyPath ?? TestIdentity.ServiceSigningKeyPath,
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton(TimeProvider.System);
        services.AddLedgerFeed(configuration);
        services.AddHttpClient(LedgerFeedClient.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => ledger.Server.CreateHandler());
        return services.BuildServiceProvider();
    }

    /// <summary>An organisation with the default chart and <paramref name="entries"/> manual entries of 1, 2, 3, … pounds.</summary>
    private async Task<string> OrganisationWithEntriesAsync(int entries)
    {
        var organisationId = Ids.New("org");
        var db = ledger.Services.GetRequiredService<NpgsqlDataSource>();
        await using (var connection = await db.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await DefaultChart.SeedAsync(transaction, organisationId, CancellationToken.None);
            await transaction.CommitAsync();
        }

        await using var reader = await db.OpenConnectionAsync();
        var accounts = (await reader.QueryAsync<(string Code, string Id)>(
            "SELECT code, id FROM accounts WHERE organisation_id = @organisationId", new { organisationId })).ToDictionary(a => a.Code, a => a.Id);
        using var client = ledger.CreateClientFor(TestIdentity.Caller(organisationId, "journals:write"));
        for (var amount = 1; amount <= entries; amount++)
        {
            var response = await client.PostAsJsonAsync("/api/v1/journal-entries", new
            {
                date = "2026-02-01",
                description = $"Entry {amount}",
                currency = "GBP",
                lines = new object[] { new { account_id = accounts["469"], debit = amount }, new { account_id = accounts["090"], credit = amount } },
            });
            response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        }

        return organisationId;
    }

    [Fact]
    public async Task The_position_is_the_ledgers()
    {
        var organisationId = await OrganisationWithEntriesAsync(3);
        await using var services = Feed();
        var feed = services.GetRequiredService<ILedgerFeed>();

        (await feed.PositionAsync(organisationId, CancellationToken.None)).ShouldBe(3);
        (await feed.PositionAsync(Ids.New("org"), CancellationToken.None)).ShouldBe(0);
    }

    [Fact]
    public async Task Entries_are_read_page_by_page_in_sequence_from_after_the_given_one()
    {
        var organisationId = await OrganisationWithEntriesAsync(5);
        await using var services = Feed(pageSize: 2);
        var feed = services.GetRequiredService<ILedgerFeed>();

        var all = await feed.EntriesAsync(organisationId, 0, CancellationToken.None).ToListAsync();
        var rest = await feed.EntriesAsync(organisationId, 3, CancellationToken.None).ToListAsync();

        all.Select(e => e.Sequence).ShouldBe([1, 2, 3, 4, 5]);
        all.Select(e => e.Lines[0].Debit).ShouldBe([1m, 2m, 3m, 4m, 5m]);
        all.ShouldAllBe(e => e.OrganisationId == organisationId && e.Lines.Count == 2);
        rest.Select(e => e.Sequence).ShouldBe([4, 5]);
        (await feed.EntriesAsync(organisationId, 5, CancellationToken.None).ToListAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_ledger_that_does_not_trust_the_key_is_a_clear_exception_naming_the_status()
    {
        var organisationId = await OrganisationWithEntriesAsync(1);
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var keyPath = Path.Combine(Path.GetTempPath(), $"accounting-test-stranger-{Guid.NewGuid():N}.pem");
        await File.WriteAllTextAsync(keyPath, stranger.ExportPkcs8PrivateKeyPem());
        try
        {
            await using var services = Feed(signingKeyPath: keyPath);
            var feed = services.GetRequiredService<ILedgerFeed>();

            var refused = await Should.ThrowAsync<HttpRequestException>(() => feed.PositionAsync(organisationId, CancellationToken.None));

            refused.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            refused.Message.ShouldContain(organisationId);
            refused.Message.ShouldContain("401");
        }
        finally
        {
            File.Delete(keyPath);
        }
    }
}
