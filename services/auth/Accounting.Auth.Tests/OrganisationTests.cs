using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Npgsql;

namespace Accounting.Auth.Tests;

public sealed class OrganisationTests(AuthFactory factory) : IClassFixture<AuthFactory>
{
    [Fact]
    public async Task A_user_creates_organisations_and_owns_each()
    {
        var account = await factory.RegisterAsync();
        using var client = factory.ClientFor(account);

        var created = await client.PostAsJsonAsync("/api/v1/organisations", new { name = "Second Ltd" });

        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        var organisation = await created.Content.ReadFromJsonAsync<JsonElement>();
        organisation.GetProperty("role").GetString().ShouldBe("owner");
        var list = await client.GetFromJsonAsync<JsonElement>("/api/v1/organisations");
        list.GetProperty("pagination").GetProperty("total").GetInt64().ShouldBe(2);
        list.GetProperty("data").EnumerateArray().Select(o => o.GetProperty("id").GetString())
            .ShouldBe([organisation.GetProperty("id").GetString(), account.OrganisationId], ignoreOrder: true);

        await using var connection = new NpgsqlConnection(factory.Database.ConnectionString);
        (await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM outbox_messages WHERE event_type = 'organisation.created' AND organisation_id = @Id",
            new { Id = organisation.GetProperty("id").GetString() })).ShouldBe(1);
    }

    [Fact]
    public async Task A_fourth_owned_organisation_is_refused_even_when_requested_at_once()
    {
        var account = await factory.RegisterAsync();
        using var client = factory.ClientFor(account);

        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => client.PostAsJsonAsync("/api/v1/organisations", new { name = $"Branch {i}" })));

        responses.Count(r => r.StatusCode == HttpStatusCode.Created).ShouldBe(2);
        var refused = responses.Where(r => r.StatusCode != HttpStatusCode.Created).ToList();
        refused.ShouldAllBe(r => r.StatusCode == HttpStatusCode.Conflict);
        (await SessionTests.ErrorCode(refused[0])).ShouldBe("organisation_limit_reached");
    }

    [Fact]
    public async Task The_current_organisation_is_the_callers_own()
    {
        var account = await factory.RegisterAsync();
        using var client = factory.ClientForApiKey(account.OrganisationId, "organisation:read");

        var organisation = await client.GetFromJsonAsync<JsonElement>("/api/v1/organisation");

        organisation.GetProperty("id").GetString().ShouldBe(account.OrganisationId);
        organisation.GetProperty("plan").GetString().ShouldBe("standard");
    }

    [Fact]
    public async Task Reading_the_organisation_needs_the_organisation_read_scope()
    {
        var account = await factory.RegisterAsync();
        using var client = factory.ClientForApiKey(account.OrganisationId, "invoices:read");

        var response = await client.GetAsync("/api/v1/organisation");

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await SessionTests.ErrorCode(response)).ShouldBe("insufficient_scope");
    }

    [Fact]
    public async Task An_api_key_cannot_create_organisations()
    {
        var account = await factory.RegisterAsync();
        using var client = factory.ClientForApiKey(account.OrganisationId, "organisation:write");

        var response = await client.PostAsJsonAsync("/api/v1/organisations", new { name = "Sneaky Ltd" });

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }
}
