using System.Net;
using System.Net.Http.Json;
using Accounting.Contracts.Auth;
using Accounting.ServiceDefaults;
using Accounting.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace Accounting.Ledger.Tests;

/// <summary>
/// Every ledger host of a test run consumes the same organisation.created queue, so an event
/// published here could be handled by another test class's host (and its database). Run alone.
/// </summary>
[CollectionDefinition(nameof(BrokerConsumers), DisableParallelization = true)]
public sealed class BrokerConsumers;

[Collection(nameof(BrokerConsumers))]
public sealed class ChartTests(LedgerFactory factory) : IClassFixture<LedgerFactory>
{
    [Fact]
    public async Task Organisation_created_seeds_the_default_chart_and_categories_once_however_often_it_arrives()
    {
        var organisationId = Ids.New("org");
        using var client = factory.CreateClientFor(TestIdentity.Caller(organisationId, "accounts:read", "transactions:read"));
        var bus = factory.Services.GetRequiredService<IBus>();
        var created = new OrganisationCreated { OrganisationId = organisationId, Name = "Acme Ltd", Plan = "free", CreatedBy = "usr_owner" };

        await bus.Publish(created);
        await bus.Publish(created);
        await bus.Publish(created with { EventId = Guid.CreateVersion7() });

        var seeded = await Eventually.HoldsAsync(async () =>
            (await client.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/v1/accounts?limit=100")).GetProperty("pagination").GetProperty("total").GetInt64() > 0,
            TimeSpan.FromSeconds(30));
        seeded.ShouldBeTrue();
        var handled = await Eventually.HoldsAsync(async () =>
            await CountAsync($"SELECT count(*) FROM inbox_messages WHERE event_id IN ('{created.EventId}')") == 1, TimeSpan.FromSeconds(30));
        handled.ShouldBeTrue();

        var accounts = await Api.ExpectAsync(await client.GetAsync(new Uri("/api/v1/accounts?limit=100", UriKind.Relative)), HttpStatusCode.OK);
        var codes = accounts.GetProperty("data").EnumerateArray().Select(a => (a.Text("code"), a.Text("type"))).ToList();
        codes.ShouldContain(("090", "asset"));
        codes.ShouldContain(("610", "asset"));
        codes.ShouldContain(("800", "liability"));
        codes.ShouldContain(("820", "liability"));
        codes.ShouldContain(("200", "income"));
        codes.ShouldContain(("310", "expense"));
        codes.ShouldContain(("960", "equity"));
        codes.Select(c => c.Item1).ShouldBeUnique();
        codes.Select(c => c.Item1).ShouldBe(codes.Select(c => c.Item1).Order(StringComparer.Ordinal));

        var categories = await Api.ExpectAsync(await client.GetAsync(new Uri("/api/v1/categories", UriKind.Relative)), HttpStatusCode.OK);
        var office = categories.GetProperty("data").EnumerateArray().Single(c => c.Text("name") == "Office and admin");
        var software = office.GetProperty("subcategories").EnumerateArray().Single(s => s.Text("name") == "Software & Subscriptions");
        software.Text("account_id").ShouldBe(accounts.GetProperty("data").EnumerateArray().Single(a => a.Text("code") == "485").Id());
        (await CountAsync($"SELECT count(*) FROM categories WHERE organisation_id = '{organisationId}'"))
            .ShouldBe(await CountAsync($"SELECT count(DISTINCT slug) FROM categories WHERE organisation_id = '{organisationId}'"));
    }

    [Fact]
    public async Task Accounts_can_be_added_renamed_and_archived_but_codes_stay_unique()
    {
        using var org = await Organisation.CreateAsync(factory);

        var account = await org.PostExpectingAsync("/api/v1/accounts", new { code = "499", name = "Staff Training", type = "expense", subtype = "overhead" }, HttpStatusCode.Created);
        var duplicate = await org.PostExpectingAsync("/api/v1/accounts", new { code = "499", name = "Again", type = "expense" }, HttpStatusCode.Conflict);
        var invalid = await org.PostExpectingAsync("/api/v1/accounts", new { code = "", name = "", type = "revenue" }, HttpStatusCode.UnprocessableEntity);
        var archived = await Api.ExpectAsync(await org.Client.PatchAsJsonAsync($"/api/v1/accounts/{account.Id()}", new { name = "Training", archived = true }), HttpStatusCode.OK);
        var systemAccount = await Api.ExpectAsync(await org.Client.PatchAsJsonAsync($"/api/v1/accounts/{org.Account("820")}", new { archived = true }), HttpStatusCode.Conflict);

        duplicate.ErrorCode().ShouldBe("conflict");
        invalid.ErrorFields().ShouldBe(["code", "name", "type"], ignoreOrder: true);
        (archived.Text("name"), archived.GetProperty("archived").GetBoolean()).ShouldBe(("Training", true));
        systemAccount.ErrorCode().ShouldBe("conflict");
        (await org.GetAsync("/api/v1/accounts?archived=true")).GetProperty("data").EnumerateArray().Select(a => a.Id()).ShouldBe([account.Id()]);
    }

    private async Task<long> CountAsync(string sql)
    {
        await using var db = factory.Database.CreateDataSource();
        await using var command = db.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
