using System.Net;

namespace Accounting.Ledger.Tests.Banking;

public sealed class BankTransactionListTests(LedgerFactory factory) : IClassFixture<LedgerFactory>
{
    [Fact]
    public async Task Every_filter_narrows_the_list_which_is_newest_date_first()
    {
        using var organisation = await Organisation.CreateAsync(factory);
        var main = (await organisation.CreateBankAccountAsync("Main")).Id();
        var savings = (await organisation.CreateBankAccountAsync("Savings")).Id();
        var aws = (await organisation.CreateTransactionAsync(main, "AWS EMEA", -45.99m, "2026-03-01")).Id();
        var rent = (await organisation.CreateTransactionAsync(main, "FPO ZQXWV 100% HOLDINGS", -1200m, "2026-03-05")).Id();
        var customer = (await organisation.CreateTransactionAsync(main, "BGC NORTHWIND_TRADERS", 2500m, "2026-03-10")).Id();
        var interest = (await organisation.CreateTransactionAsync(savings, "GROSS INTEREST", 3.21m, "2026-03-31")).Id();
        var software = await organisation.CategoryAsync("software");

        async Task<IReadOnlyList<string>> Ids(string query)
        {
            var page = await organisation.GetAsync($"/api/v1/transactions{query}");
            return [.. page.GetProperty("data").EnumerateArray().Select(t => t.Id())];
        }

        (await Ids("")).ShouldBe([interest, customer, rent, aws]);
        (await Ids("?from=2026-03-05&to=2026-03-10")).ShouldBe([customer, rent]);
        (await Ids($"?category_id={software}")).ShouldBe([aws]);
        (await Ids("?uncategorised=true")).ShouldBe([customer, rent]);
        (await Ids($"?bank_account_id={savings}")).ShouldBe([interest]);
        (await Ids("?max_amount=-100")).ShouldBe([rent]);
        (await Ids("?min_amount=-100&max_amount=100")).ShouldBe([interest, aws]);
        (await Ids("?min_amount=2500")).ShouldBe([customer]);
        (await Ids("?q=aws")).ShouldBe([aws]);
        (await Ids("?q=100%25")).ShouldBe([rent]);
        (await Ids("?q=s_e")).ShouldBeEmpty();
        (await Ids("?q=ND_TR")).ShouldBe([customer]);
        (await Ids("?import_id=imp_none")).ShouldBeEmpty();
        var page = await organisation.GetAsync("/api/v1/transactions?limit=2&offset=1");
        page.GetProperty("pagination").Number("total").ShouldBe(4m);
        page.GetProperty("pagination").GetProperty("has_more").GetBoolean().ShouldBeTrue();
    }

    [Theory]
    [InlineData("?from=2026-13-01", "from")]
    [InlineData("?from=2026-03-10&to=2026-03-01", "from")]
    [InlineData("?category_id=acc_1", "category_id")]
    [InlineData("?uncategorised=yes", "uncategorised")]
    [InlineData("?bank_account_id=cat_1", "bank_account_id")]
    [InlineData("?min_amount=ten", "min_amount")]
    [InlineData("?min_amount=10&max_amount=5", "min_amount")]
    [InlineData("?max_amount=1e3", "max_amount")]
    [InlineData("?import_id=ba_1", "import_id")]
    [InlineData("?category=software", "category")]
    [InlineData("?limit=101", "limit")]
    public async Task A_bad_filter_is_a_422_naming_it(string query, string field)
    {
        using var organisation = await Organisation.CreateAsync(factory);

        var refused = await Api.ExpectAsync(await organisation.Client.GetAsync(new Uri($"/api/v1/transactions{query}", UriKind.Relative)), HttpStatusCode.UnprocessableEntity);

        refused.ErrorFields().ShouldContain(field);
    }
}
