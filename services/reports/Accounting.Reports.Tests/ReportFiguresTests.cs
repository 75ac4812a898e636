using System.Net;
using System.Net.Http.Headers;
using static Accounting.Reports.Tests.TestLine;

namespace Accounting.Reports.Tests;

[Collection(nameof(ReportsHosts))]
public sealed class ReportFiguresTests(ReportsFactory factory) : IClassFixture<ReportsFactory>
{
    private static readonly TestAccount Refunds = new("acc_refunds", "265", "=SUM(A1:A9)", "income", "other_income");

    // Two financial years (default year end 12-31): 2025 makes 200.00 profit; 2026 to date 899.45.
    private async Task<TestBooks> PostTheYearAsync()
    {
        var books = factory.NewOrganisation();
        await books.PublishAsync(
            books.Entry(new(2025, 1, 10), Dr(TestAccount.Bank, 10_000m), Cr(TestAccount.Capital, 10_000m)),
            books.Entry(new(2025, 3, 1), Dr(TestAccount.Debtors, 1_200m), Cr(TestAccount.Sales, 1_000m), Cr(TestAccount.Vat, 200m)),
            books.Entry(new(2025, 5, 1), Dr(TestAccount.CostOfSales, 300m), Cr(TestAccount.Bank, 300m)),
            books.Entry(new(2025, 7, 1), Dr(TestAccount.Rent, 500m), Cr(TestAccount.Bank, 500m)),
            books.Entry(new(2026, 2, 1), Dr(TestAccount.Bank, 1_200m), Cr(TestAccount.Debtors, 1_200m)),
            books.Entry(new(2026, 3, 15), Dr(TestAccount.Debtors, 2_400m), Cr(TestAccount.Sales, 2_000m), Cr(TestAccount.Vat, 400m)),
            books.Entry(new(2026, 4, 1), Dr(TestAccount.CostOfSales, 800m), Cr(TestAccount.Creditors, 800m)),
            books.Entry(new(2026, 5, 1), Dr(TestAccount.Wages, 250.55m), Cr(TestAccount.Bank, 250.55m)),
            books.Entry(new(2026, 5, 2), "USD", Dr(TestAccount.Bank, 99.99m), Cr(TestAccount.Sales, 99.99m)),
            books.Entry(new(2026, 5, 10), Dr(Refunds, 50m), Cr(TestAccount.Bank, 50m)));
        await books.AppliedUpToAsync(10);
        return books;
    }

    [Fact]
    public async Task Profit_and_loss_separates_cost_of_sales_and_gives_gross_and_net_profit()
    {
        using var books = await PostTheYearAsync();

        var report = await books.GetAsync("/api/v1/reports/profit-loss?from=2026-01-01&to=2026-06-30");

        report.Text("currency").ShouldBe("GBP");
        (report.Text("from"), report.Text("to")).ShouldBe(("2026-01-01", "2026-06-30"));
        (report.GetProperty("ledger_position").GetInt64(), report.GetProperty("complete").GetBoolean()).ShouldBe((10, true));
        report.TryGetProperty("behind_by", out _).ShouldBeFalse();
        report.GetProperty("income").Lines().ShouldBe([("200", 2_000m), ("265", -50m)]);
        report.GetProperty("income").Number("total").ShouldBe(1_950m);
        report.GetProperty("cost_of_sales").Lines().ShouldBe([("310", 800m)]);
        report.Number("gross_profit").ShouldBe(1_150m);
        report.GetProperty("expenses").Lines().ShouldBe([("477", 250.55m)]);
        report.Number("net_profit").ShouldBe(899.45m);
        report.GetProperty("income").GetProperty("accounts")[0].GetRawText().ShouldContain("\"amount\":2000.00");
    }

    [Fact]
    public async Task Balance_sheet_has_current_and_earlier_years_earnings_and_balances()
    {
        using var books = await PostTheYearAsync();

        var report = await books.GetAsync("/api/v1/reports/balance-sheet?as_of=2026-06-15");

        report.Text("as_of").ShouldBe("2026-06-15");
        report.GetProperty("assets").Lines().ShouldBe([("090", 10_099.45m), ("610", 2_400m)]);
        report.GetProperty("liabilities").Lines().ShouldBe([("800", 800m), ("820", 600m)]);
        report.GetProperty("equity").Lines().ShouldBe([("950", 10_000m), ("Current year earnings", 899.45m), ("Earlier years' earnings", 200m)]);
        report.GetProperty("equity").GetProperty("accounts")[1].GetProperty("account_id").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);
        report.Number("total_assets").ShouldBe(12_499.45m);
        report.Number("total_liabilities_and_equity").ShouldBe(12_499.45m);

        var defaultDate = await books.GetAsync("/api/v1/reports/balance-sheet");
        defaultDate.Text("as_of").ShouldBe("2026-06-15");
    }

    [Fact]
    public async Task Trial_balance_puts_each_account_on_its_heavier_side_and_never_adds_two_currencies()
    {
        using var books = await PostTheYearAsync();

        var gbp = await books.GetAsync("/api/v1/reports/trial-balance?as_of=2026-06-15");
        var usd = await books.GetAsync("/api/v1/reports/trial-balance?as_of=2026-06-15&currency=USD");

        gbp.GetProperty("accounts").EnumerateArray().Select(a => (a.Text("code"), a.Number("debit"), a.Number("credit"))).ShouldBe(
        [
            ("090", 10_099.45m, 0m), ("200", 0m, 3_000m), ("265", 50m, 0m), ("310", 1_100m, 0m), ("469", 500m, 0m),
            ("477", 250.55m, 0m), ("610", 2_400m, 0m), ("800", 0m, 800m), ("820", 0m, 600m), ("950", 0m, 10_000m),
        ]);
        (gbp.Number("total_debit"), gbp.Number("total_credit")).ShouldBe((14_400m, 14_400m));
        usd.Text("currency").ShouldBe("USD");
        usd.GetProperty("accounts").EnumerateArray().Select(a => (a.Text("code"), a.Number("debit"), a.Number("credit"))).ShouldBe([("090", 99.99m, 0m), ("200", 0m, 99.99m)]);
    }

    [Fact]
    public async Task General_ledger_pages_lines_with_running_balances_from_the_opening_balance()
    {
        using var books = await PostTheYearAsync();
        var bank = books.AccountId(TestAccount.Bank);

        var report = await books.GetAsync($"/api/v1/reports/general-ledger?account_id={bank}&from=2025-06-01&to=2026-12-31&limit=2&offset=1");

        report.GetProperty("account").Text("code").ShouldBe("090");
        report.Number("opening_balance").ShouldBe(9_700m);
        report.GetProperty("lines").EnumerateArray().Select(l => (l.Text("date"), l.Number("debit"), l.Number("credit"), l.Number("balance"))).ShouldBe(
            [("2026-02-01", 1_200m, 0m, 10_400m), ("2026-05-01", 0m, 250.55m, 10_149.45m)]);
        report.Number("closing_balance").ShouldBe(10_099.45m);
        var pagination = report.GetProperty("pagination");
        (pagination.GetProperty("total").GetInt64(), pagination.GetProperty("has_more").GetBoolean()).ShouldBe((4, true));
    }

    [Fact]
    public async Task Csv_has_a_header_a_row_per_account_and_totals_last_with_formulas_escaped_and_negative_amounts_as_numbers()
    {
        using var books = await PostTheYearAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/reports/profit-loss?from=2026-01-01&to=2026-06-30");
        request.Headers.Accept.Clear();
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));

        var response = await books.Client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        var rows = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        rows[0].ShouldBe("section,account_id,code,name,amount");
        rows.ShouldContain($"income,{books.AccountId(TestAccount.Sales)},200,Sales,2000.00");
        rows.ShouldContain($"income,{books.AccountId(Refunds)},265,\"'=SUM(A1:A9)\",-50.00");
        rows.ShouldContain("income,,,Total,1950.00");
        rows.ShouldContain("gross_profit,,,Gross profit,1150.00");
        rows[^1].ShouldBe("net_profit,,,Net profit,899.45");
    }

    [Fact]
    public async Task An_accept_header_it_cannot_serve_is_a_406_in_the_error_envelope()
    {
        using var books = factory.NewOrganisation();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/reports/trial-balance");
        request.Headers.Accept.Clear();
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/xml"));

        var response = await Api.ExpectAsync(await books.Client.SendAsync(request), HttpStatusCode.NotAcceptable);

        response.ErrorCode().ShouldBe("not_acceptable");
    }

    [Theory]
    [InlineData("profit-loss", "from,to")]
    [InlineData("profit-loss?from=2026-13-01&to=2026-01-31", "from")]
    [InlineData("profit-loss?from=2026-02-01&to=2026-01-31", "from")]
    [InlineData("profit-loss?from=2016-01-01&to=2026-01-01", "to")]
    [InlineData("profit-loss?from=2026-01-01&to=2026-01-31&currency=XYZ", "currency")]
    [InlineData("profit-loss?from=2026-01-01&to=2026-01-31&basis=cash", "basis")]
    [InlineData("balance-sheet?as_of=yesterday", "as_of")]
    [InlineData("trial-balance?as_of=2026-01-01&limit=5", "limit")]
    [InlineData("vat?from=2026-01-01", "to")]
    [InlineData("general-ledger", "account_id")]
    [InlineData("general-ledger?account_id=acc_nobody_has_this", "account_id")]
    [InlineData("general-ledger?account_id=inv_1", "account_id")]
    public async Task Bad_input_is_a_422_naming_the_parameter(string query, string fields)
    {
        using var books = factory.NewOrganisation();

        var response = await books.GetAsync("/api/v1/reports/" + query, HttpStatusCode.UnprocessableEntity);

        response.ErrorCode().ShouldBe("validation_failed");
        response.ErrorFields().ShouldBe(fields.Split(','), ignoreOrder: true);
    }

    [Fact]
    public async Task Another_organisations_account_is_unknown_and_its_figures_never_appear()
    {
        using var theirs = await PostTheYearAsync();
        using var ours = factory.NewOrganisation();
        await ours.PublishAsync(ours.Entry(new(2026, 1, 5), Dr(TestAccount.Bank, 10m), Cr(TestAccount.Sales, 10m)));
        await ours.AppliedUpToAsync(1);

        var ledger = await ours.GetAsync($"/api/v1/reports/general-ledger?account_id={theirs.AccountId(TestAccount.Bank)}", HttpStatusCode.UnprocessableEntity);
        var profit = await ours.GetAsync("/api/v1/reports/profit-loss?from=2025-01-01&to=2026-12-31");
        var trial = await ours.GetAsync("/api/v1/reports/trial-balance?as_of=2026-12-31");

        ledger.ErrorFields().ShouldBe(["account_id"]);
        profit.Number("net_profit").ShouldBe(10m);
        trial.GetProperty("accounts").EnumerateArray().Select(a => a.Text("account_id")).ShouldBe([ours.AccountId(TestAccount.Bank), ours.AccountId(TestAccount.Sales)]);
        trial.GetProperty("ledger_position").GetInt64().ShouldBe(1);
    }

    [Fact]
    public async Task Reports_need_the_reports_read_scope()
    {
        using var client = factory.CreateClientFor(Accounting.Testing.TestIdentity.Caller(Accounting.ServiceDefaults.Ids.New("org"), "journals:read"));

        var response = await Api.ExpectAsync(await client.GetAsync(new Uri("/api/v1/reports/trial-balance", UriKind.Relative)), HttpStatusCode.Forbidden);

        response.ErrorCode().ShouldBe("insufficient_scope");
    }
}
