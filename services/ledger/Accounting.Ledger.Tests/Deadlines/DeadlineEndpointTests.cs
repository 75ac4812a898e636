using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Accounting.Contracts.Auth;
using Accounting.Ledger.Organisations;
using Accounting.ServiceDefaults;
using Accounting.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Accounting.Ledger.Tests.Deadlines;

/// <summary>A ledger whose today is 1 May 2026.</summary>
public sealed class DeadlineFactory : ServiceFactory<Program>
{
    public DeadlineFactory()
        : base("ledger")
    {
    }

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 5, 1, 9, 0, 0, TimeSpan.Zero));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
    }
}

public sealed class DeadlineEndpointTests(DeadlineFactory factory) : IClassFixture<DeadlineFactory>
{
    /// <summary>VAT stagger 1 and a 31 March year end: around 1 May 2026 every status shows up.</summary>
    private static readonly OrganisationSettings QuarterlyMarchYearEnd = OrganisationSettings.Defaults with
    {
        FinancialYearEnd = "03-31",
        VatRegistered = true,
        VatNumber = "GB123456782",
        VatScheme = "standard",
        VatPeriod = "quarterly",
        VatStagger = 1,
    };

    [Fact]
    public async Task A_deadline_due_before_today_is_overdue()
    {
        var client = await OrganisationWithAsync(QuarterlyMarchYearEnd);

        var deadlines = await ListAsync(client, "?from=2026-01-01&to=2026-04-30");

        Row(deadlines, "vat_return", "2025-12-31").ShouldBe(("2026-02-07", "overdue"));
        Row(deadlines, "corporation_tax_payment", "2025-03-31").ShouldBe(("2026-01-01", "overdue"));
        Row(deadlines, "corporation_tax_return", "2025-03-31").ShouldBe(("2026-03-31", "overdue"));
    }

    [Fact]
    public async Task A_deadline_due_within_fourteen_days_is_due_soon()
    {
        var client = await OrganisationWithAsync(QuarterlyMarchYearEnd);

        var deadlines = await ListAsync(client, "?from=2026-05-01&to=2026-05-31");

        deadlines.Select(d => (d.Text("type"), d.Text("period_start"), d.Text("period_end"), d.Text("due_date"), d.Text("status"))).ShouldBe(
            [("vat_return", "2026-01-01", "2026-03-31", "2026-05-07", "due_soon")]);
        deadlines[0].Text("description").ShouldBe("VAT return and payment for 1 Jan 2026 to 31 Mar 2026");
    }

    [Fact]
    public async Task By_default_the_list_runs_from_today_for_twelve_months_and_later_deadlines_are_upcoming()
    {
        var client = await OrganisationWithAsync(QuarterlyMarchYearEnd);

        var deadlines = await ListAsync(client, "");

        deadlines.Select(d => (d.Text("type"), d.Text("due_date"), d.Text("status"))).ShouldBe(
        [
            ("vat_return", "2026-05-07", "due_soon"),
            ("vat_return", "2026-08-07", "upcoming"),
            ("vat_return", "2026-11-07", "upcoming"),
            ("annual_accounts", "2026-12-31", "upcoming"),
            ("corporation_tax_payment", "2027-01-01", "upcoming"),
            ("vat_return", "2027-02-07", "upcoming"),
            ("corporation_tax_return", "2027-03-31", "upcoming"),
        ]);
    }

    [Fact]
    public async Task A_vat_return_whose_period_the_books_closed_is_closed_whatever_its_date()
    {
        var client = await OrganisationWithAsync(QuarterlyMarchYearEnd);
        await Api.ExpectAsync(await client.PostAsJsonAsync("/api/v1/periods/close", new { period_end = "2025-12-31" }), HttpStatusCode.OK);

        var deadlines = await ListAsync(client, "?from=2026-01-01&to=2026-04-30");

        Row(deadlines, "vat_return", "2025-12-31").ShouldBe(("2026-02-07", "closed"));
        Row(deadlines, "corporation_tax_return", "2025-03-31").ShouldBe(("2026-03-31", "overdue"));
    }

    [Fact]
    public async Task Another_organisations_settings_and_closed_periods_never_show()
    {
        var vatRegistered = await OrganisationWithAsync(QuarterlyMarchYearEnd);
        await Api.ExpectAsync(await vatRegistered.PostAsJsonAsync("/api/v1/periods/close", new { period_end = "2026-03-31" }), HttpStatusCode.OK);
        var neighbour = await OrganisationWithAsync(QuarterlyMarchYearEnd);
        var unknown = Client(Ids.New("org"), "organisation:read");

        var neighbours = await ListAsync(neighbour, "?from=2026-05-01&to=2026-05-31");
        var defaults = await ListAsync(unknown, "");

        Row(neighbours, "vat_return", "2026-03-31").ShouldBe(("2026-05-07", "due_soon"));
        defaults.Select(d => (d.Text("type"), d.Text("period_end"), d.Text("due_date"))).ShouldBe(
        [
            ("annual_accounts", "2025-12-31", "2026-09-30"),
            ("corporation_tax_payment", "2025-12-31", "2026-10-01"),
            ("corporation_tax_return", "2025-12-31", "2026-12-31"),
        ]);
    }

    [Fact]
    public async Task The_list_pages_in_the_shape_of_every_list()
    {
        var client = await OrganisationWithAsync(QuarterlyMarchYearEnd);

        var page = await Api.ExpectAsync(await client.GetAsync(new Uri("/api/v1/deadlines?limit=2&offset=1", UriKind.Relative)), HttpStatusCode.OK);

        page.GetProperty("data").EnumerateArray().Select(d => d.Text("due_date")).ShouldBe(["2026-08-07", "2026-11-07"]);
        var pagination = page.GetProperty("pagination");
        (pagination.GetProperty("total").GetInt32(), pagination.GetProperty("limit").GetInt32(), pagination.GetProperty("offset").GetInt32(), pagination.GetProperty("has_more").GetBoolean())
            .ShouldBe((7, 2, 1, true));
    }

    [Theory]
    [InlineData("?from=2026-13-01", "from")]
    [InlineData("?to=01/05/2026", "to")]
    [InlineData("?from=2026-06-01&to=2026-05-31", "to")]
    [InlineData("?from=2026-01-01&to=2031-01-02", "to")]
    [InlineData("?status=overdue", "status")]
    [InlineData("?limit=101", "limit")]
    public async Task A_bad_window_or_an_unknown_parameter_is_a_422_naming_it(string query, string field)
    {
        var client = Client(Ids.New("org"), "organisation:read");

        var error = await Api.ExpectAsync(await client.GetAsync(new Uri("/api/v1/deadlines" + query, UriKind.Relative)), HttpStatusCode.UnprocessableEntity);

        error.ErrorCode().ShouldBe("validation_failed");
        error.ErrorFields().ShouldBe([field]);
    }

    [Fact]
    public async Task Deadlines_need_the_organisation_read_scope()
    {
        var client = Client(Ids.New("org"), "journals:write");

        var error = await Api.ExpectAsync(await client.GetAsync(new Uri("/api/v1/deadlines", UriKind.Relative)), HttpStatusCode.Forbidden);

        error.ErrorCode().ShouldBe("insufficient_scope");
    }

    private static (string DueDate, string Status) Row(IReadOnlyList<JsonElement> deadlines, string type, string periodEnd) =>
        deadlines.Where(d => d.Text("type") == type && d.Text("period_end") == periodEnd).Select(d => (d.Text("due_date"), d.Text("status"))).Single();

    private static async Task<IReadOnlyList<JsonElement>> ListAsync(HttpClient client, string query)
    {
        var page = await Api.ExpectAsync(await client.GetAsync(new Uri("/api/v1/deadlines" + query, UriKind.Relative)), HttpStatusCode.OK);
        return [.. page.GetProperty("data").EnumerateArray()];
    }

    private HttpClient Client(string organisationId, params string[] scopes) => factory.CreateClientFor(TestIdentity.Caller(organisationId, scopes));

    private async Task<HttpClient> OrganisationWithAsync(OrganisationSettings settings)
    {
        var organisationId = Ids.New("org");
        var db = factory.Services.GetRequiredService<NpgsqlDataSource>();
        await using (var connection = await db.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await OrganisationSettingsStore.ApplyAsync(transaction, organisationId, settings, 1, CancellationToken.None);
            await transaction.CommitAsync();
        }

        return Client(organisationId, "organisation:read", "journals:write");
    }
}
