using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Accounting.Auth.Settings;
using Dapper;
using Npgsql;

namespace Accounting.Auth.Tests;

public sealed class SettingsTests(AuthFactory factory) : IClassFixture<AuthFactory>
{
    // Real registrations (HMRC's own example, Tesco, Amazon UK), numbers from python-stdnum's tests
    // of the 97-55 series, and sums worked by hand: 980780684 → 8·9+7·8+6·0+5·7+4·8+3·0+2·6 = 207, + 84 = 291 = 3·97.
    [Theory]
    [InlineData("GB999999973")]
    [InlineData("GB220430231")]
    [InlineData("GB727255821")]
    [InlineData("GB980780684")]
    [InlineData("GB100190874")]
    [InlineData("GB102675046")]
    [InlineData("GB242338087388")]
    [InlineData("GBGD000")]
    [InlineData("GBGD499")]
    [InlineData("GBHA500")]
    [InlineData("GBHA999")]
    public void Valid_UK_VAT_numbers_pass(string number) => UkVatNumber.IsValid(number).ShouldBeTrue();

    [Theory]
    [InlineData("GB999999974")] // check digits off by one
    [InlineData("GB802311781")] // sum ≡ 96 mod 97
    [InlineData("GB001234567")]
    [InlineData("GB000000042")] // ≡ 42 mod 97, but 97-55 numbers start at 100 0000 00
    [InlineData("GB98078068")] // 8 digits
    [InlineData("GB9807806840")] // 10 digits
    [InlineData("GB242338088388")] // a branch whose first nine fail
    [InlineData("980780684")] // no country prefix
    [InlineData("FR980780684")]
    [InlineData("GBGD500")]
    [InlineData("GBHA499")]
    [InlineData("GBGD12")]
    [InlineData("GBXX123")]
    [InlineData("GB98078068A")]
    public void Invalid_UK_VAT_numbers_fail(string number) => UkVatNumber.IsValid(number).ShouldBeFalse();

    [Fact]
    public void The_newer_series_is_sum_plus_55_divisible_by_97()
    {
        // 100190874: 8·1+7·0+6·0+5·1+4·9+3·0+2·8 = 65; 65 + 55 + 74 = 194 = 2·97.
        UkVatNumber.HasValidCheckDigits("100190874").ShouldBeTrue();
        UkVatNumber.HasValidCheckDigits("100190875").ShouldBeFalse();
    }

    [Fact]
    public async Task A_new_organisation_has_the_default_settings()
    {
        var account = await factory.RegisterAsync();
        using var client = factory.ClientFor(account);

        var organisation = await client.GetFromJsonAsync<JsonElement>("/api/v1/organisation");

        organisation.GetProperty("base_currency").GetString().ShouldBe("GBP");
        organisation.GetProperty("country").GetString().ShouldBe("GB");
        organisation.GetProperty("financial_year_end").GetString().ShouldBe("12-31");
        organisation.GetProperty("vat_registered").GetBoolean().ShouldBeFalse();
        organisation.GetProperty("vat_number").ValueKind.ShouldBe(JsonValueKind.Null);
        organisation.GetProperty("vat_period").ValueKind.ShouldBe(JsonValueKind.Null);
        organisation.GetProperty("auto_categorise_threshold").GetDecimal().ShouldBe(0.9m);
        organisation.GetProperty("auto_categorise_threshold").GetRawText().ShouldBe("0.9");
        organisation.GetProperty("updated_at").GetDateTimeOffset().ShouldBe(organisation.GetProperty("created_at").GetDateTimeOffset());
        var created = (await EventsAsync(account.OrganisationId)).Single();
        created.Type.ShouldBe("organisation.created");
        created.Payload.GetProperty("version").GetInt64().ShouldBe(1);
        created.Payload.GetProperty("settings").GetProperty("financial_year_end").GetString().ShouldBe("12-31");
    }

    [Fact]
    public async Task Registering_for_VAT_sets_the_fields_and_emits_the_whole_settings()
    {
        var account = await factory.RegisterAsync();
        using var client = factory.ClientFor(account);

        var response = await PatchAsync(client, """
            {"vat_registered": true, "vat_number": "gb 980 7806 84", "vat_stagger": 2, "financial_year_end": "03-31",
             "company_number": "sc123456", "incorporation_date": "2020-02-29", "auto_categorise_threshold": 0.75}
            """);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var organisation = await response.Content.ReadFromJsonAsync<JsonElement>();
        organisation.GetProperty("vat_number").GetString().ShouldBe("GB980780684");
        organisation.GetProperty("vat_scheme").GetString().ShouldBe("standard");
        organisation.GetProperty("vat_period").GetString().ShouldBe("quarterly");
        organisation.GetProperty("vat_stagger").GetInt32().ShouldBe(2);
        organisation.GetProperty("company_number").GetString().ShouldBe("SC123456");
        organisation.GetProperty("incorporation_date").GetString().ShouldBe("2020-02-29");
        var updated = (await EventsAsync(account.OrganisationId)).Last();
        updated.Type.ShouldBe("organisation.updated");
        updated.Payload.GetProperty("version").GetInt64().ShouldBe(2);
        var settings = updated.Payload.GetProperty("settings");
        settings.GetProperty("vat_number").GetString().ShouldBe("GB980780684");
        settings.GetProperty("vat_stagger").GetInt32().ShouldBe(2);
        settings.GetProperty("base_currency").GetString().ShouldBe("GBP");
        settings.GetProperty("auto_categorise_threshold").GetDecimal().ShouldBe(0.75m);
        updated.Payload.GetProperty("updated_by").GetString().ShouldBe(account.UserId);
    }

    [Fact]
    public async Task Each_change_is_one_event_with_the_next_version_and_no_change_is_none()
    {
        var account = await factory.RegisterAsync();
        using var client = factory.ClientFor(account);

        (await PatchAsync(client, """{"financial_year_end": "03-31"}""")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await PatchAsync(client, """{"financial_year_end": "03-31"}""")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await PatchAsync(client, "{}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await PatchAsync(client, """{"auto_categorise_threshold": 0.90}""")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await PatchAsync(client, """{"name": "Acme Trading Ltd"}""")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await PatchAsync(client, """{"base_currency": "EUR", "country": "IE"}""")).StatusCode.ShouldBe(HttpStatusCode.OK);

        var events = await EventsAsync(account.OrganisationId);
        events.Select(e => e.Type).ShouldBe(["organisation.created", "organisation.updated", "organisation.updated", "organisation.updated"]);
        events.Select(e => e.Payload.GetProperty("version").GetInt64()).ShouldBe([1L, 2L, 3L, 4L]);
        events[2].Payload.GetProperty("name").GetString().ShouldBe("Acme Trading Ltd");
        events[3].Payload.GetProperty("settings").GetProperty("financial_year_end").GetString().ShouldBe("03-31");
        events[3].Payload.GetProperty("settings").GetProperty("base_currency").GetString().ShouldBe("EUR");
    }

    [Fact]
    public async Task Concurrent_changes_get_distinct_consecutive_versions()
    {
        var account = await factory.RegisterAsync();
        using var client = factory.ClientFor(account);

        var responses = await Task.WhenAll(Enumerable.Range(1, 6).Select(i => PatchAsync(client, $$"""{"auto_categorise_threshold": 0.{{i}}}""")));

        responses.ShouldAllBe(r => r.StatusCode == HttpStatusCode.OK);
        var versions = (await EventsAsync(account.OrganisationId)).Select(e => e.Payload.GetProperty("version").GetInt64());
        versions.ShouldBe([1L, 2L, 3L, 4L, 5L, 6L, 7L]);
    }

    [Fact]
    public async Task Absent_fields_stay_and_null_clears()
    {
        var account = await factory.RegisterAsync();
        using var client = factory.ClientFor(account);
        await PatchAsync(client, """{"company_number": "01234567", "incorporation_date": "2019-05-01"}""");

        var response = await PatchAsync(client, """{"company_number": null}""");

        var organisation = await response.Content.ReadFromJsonAsync<JsonElement>();
        organisation.GetProperty("company_number").ValueKind.ShouldBe(JsonValueKind.Null);
        organisation.GetProperty("incorporation_date").GetString().ShouldBe("2019-05-01");
    }

    [Theory]
    [InlineData("""{"vat_number": "GB980780684"}""", "vat_number")]
    [InlineData("""{"vat_registered": true, "vat_number": "GB980780685", "vat_stagger": 1}""", "vat_number")]
    [InlineData("""{"vat_registered": true, "vat_number": "GB123", "vat_stagger": 1}""", "vat_number")]
    [InlineData("""{"vat_registered": true}""", "vat_stagger")]
    [InlineData("""{"vat_registered": true, "vat_period": "monthly", "vat_stagger": 1}""", "vat_stagger")]
    [InlineData("""{"vat_registered": true, "vat_period": "yearly"}""", "vat_period")]
    [InlineData("""{"vat_registered": true, "vat_stagger": 4}""", "vat_stagger")]
    [InlineData("""{"vat_registered": true, "vat_stagger": 1, "vat_scheme": "flat_rate"}""", "vat_scheme")]
    [InlineData("""{"vat_registered": null}""", "vat_registered")]
    [InlineData("""{"vat_period": "monthly"}""", "vat_period")]
    [InlineData("""{"vat_stagger": 1}""", "vat_stagger")]
    [InlineData("""{"financial_year_end": "02-30"}""", "financial_year_end")]
    [InlineData("""{"financial_year_end": "13-01"}""", "financial_year_end")]
    [InlineData("""{"financial_year_end": "12-31-"}""", "financial_year_end")]
    [InlineData("""{"financial_year_end": "1231"}""", "financial_year_end")]
    [InlineData("""{"financial_year_end": null}""", "financial_year_end")]
    [InlineData("""{"base_currency": "gbp"}""", "base_currency")]
    [InlineData("""{"base_currency": "ABC"}""", "base_currency")]
    [InlineData("""{"base_currency": "XAU"}""", "base_currency")]
    [InlineData("""{"country": "UK"}""", "country")]
    [InlineData("""{"auto_categorise_threshold": 1.01}""", "auto_categorise_threshold")]
    [InlineData("""{"auto_categorise_threshold": -0.1}""", "auto_categorise_threshold")]
    [InlineData("""{"auto_categorise_threshold": 0.12345}""", "auto_categorise_threshold")]
    [InlineData("""{"auto_categorise_threshold": null}""", "auto_categorise_threshold")]
    [InlineData("""{"incorporation_date": "2999-01-01"}""", "incorporation_date")]
    [InlineData("""{"incorporation_date": "2023-02-29"}""", "incorporation_date")]
    [InlineData("""{"incorporation_date": "01/02/2020"}""", "incorporation_date")]
    [InlineData("""{"company_number": "1234567"}""", "company_number")]
    [InlineData("""{"company_number": "SC12345X"}""", "company_number")]
    [InlineData("""{"company_number": "S1234567"}""", "company_number")]
    [InlineData("""{"name": "  "}""", "name")]
    [InlineData("""{"plan": "enterprise"}""", "plan")]
    public async Task Invalid_settings_are_refused_naming_the_field(string body, string field)
    {
        var account = await factory.RegisterAsync();
        using var client = factory.ClientFor(account);

        var response = await PatchAsync(client, body);

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await ErrorFieldsAsync(response)).ShouldContain(field);
        (await EventsAsync(account.OrganisationId)).Count.ShouldBe(1);
    }

    [Theory]
    [InlineData("02-29")]
    [InlineData("02-28")]
    [InlineData("04-30")]
    [InlineData("01-31")]
    public async Task Any_real_day_is_a_financial_year_end_including_29_February(string yearEnd)
    {
        var account = await factory.RegisterAsync();
        using var client = factory.ClientFor(account);

        var response = await PatchAsync(client, $$"""{"financial_year_end": "{{yearEnd}}"}""");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("financial_year_end").GetString().ShouldBe(yearEnd);
    }

    [Fact]
    public async Task Deregistering_needs_the_VAT_number_cleared_in_the_same_request_and_clears_every_VAT_field()
    {
        var account = await factory.RegisterAsync();
        using var client = factory.ClientFor(account);
        await PatchAsync(client, """{"vat_registered": true, "vat_number": "GB100190874", "vat_stagger": 3}""");

        var refused = await PatchAsync(client, """{"vat_registered": false}""");
        var accepted = await PatchAsync(client, """{"vat_registered": false, "vat_number": null}""");

        refused.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await ErrorFieldsAsync(refused)).ShouldBe(["vat_number"]);
        accepted.StatusCode.ShouldBe(HttpStatusCode.OK);
        var organisation = await accepted.Content.ReadFromJsonAsync<JsonElement>();
        foreach (var field in new[] { "vat_number", "vat_scheme", "vat_period", "vat_stagger" })
        {
            organisation.GetProperty(field).ValueKind.ShouldBe(JsonValueKind.Null);
        }
    }

    [Fact]
    public async Task Switching_to_monthly_returns_drops_the_stagger()
    {
        var account = await factory.RegisterAsync();
        using var client = factory.ClientFor(account);
        await PatchAsync(client, """{"vat_registered": true, "vat_stagger": 1}""");

        var response = await PatchAsync(client, """{"vat_period": "monthly"}""");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var organisation = await response.Content.ReadFromJsonAsync<JsonElement>();
        organisation.GetProperty("vat_period").GetString().ShouldBe("monthly");
        organisation.GetProperty("vat_stagger").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task A_mistyped_body_is_a_bad_request()
    {
        var account = await factory.RegisterAsync();
        using var client = factory.ClientFor(account);

        var response = await PatchAsync(client, """{"vat_stagger": "one"}""");

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await SessionTests.ErrorCode(response)).ShouldBe("bad_request");
    }

    [Fact]
    public async Task Changing_settings_needs_organisation_write_which_accountants_lack()
    {
        var account = await factory.RegisterAsync();
        using var accountant = factory.ClientFor(account, role: "accountant");
        using var key = factory.ClientForApiKey(account.OrganisationId, "organisation:write");

        var refused = await PatchAsync(accountant, """{"financial_year_end": "06-30"}""");
        var byKey = await PatchAsync(key, """{"financial_year_end": "06-30"}""");

        refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await SessionTests.ErrorCode(refused)).ShouldBe("insufficient_scope");
        byKey.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await EventsAsync(account.OrganisationId)).Last().Payload.GetProperty("updated_by").GetString().ShouldBe("key_test");
    }

    [Fact]
    public async Task A_change_reaches_only_the_callers_organisation()
    {
        var mine = await factory.RegisterAsync();
        var theirs = await factory.RegisterAsync();
        using var client = factory.ClientFor(mine);
        using var theirClient = factory.ClientFor(theirs);

        await PatchAsync(client, """{"financial_year_end": "09-30"}""");

        (await theirClient.GetFromJsonAsync<JsonElement>("/api/v1/organisation")).GetProperty("financial_year_end").GetString().ShouldBe("12-31");
        (await EventsAsync(theirs.OrganisationId)).Count.ShouldBe(1);
    }

    internal static Task<HttpResponseMessage> PatchAsync(HttpClient client, string json) =>
        client.PatchAsync("/api/v1/organisation", new StringContent(json, Encoding.UTF8, "application/json"));

    internal static async Task<IReadOnlyList<string>> ErrorFieldsAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return [.. body.GetProperty("error").GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()!)];
    }

    private async Task<List<(string Type, JsonElement Payload)>> EventsAsync(string organisationId)
    {
        await using var connection = new NpgsqlConnection(factory.Database.ConnectionString);
        var rows = await connection.QueryAsync<(string Type, string Payload)>(
            "SELECT event_type, payload::text FROM outbox_messages WHERE organisation_id = @organisationId AND event_type LIKE 'organisation.%' ORDER BY id",
            new { organisationId });
        return [.. rows.Select(r => (r.Type, JsonDocument.Parse(r.Payload).RootElement.Clone()))];
    }
}
