using System.Net;

namespace Accounting.Ledger.Tests.Banking;

public sealed class BankAccountTests(LedgerFactory factory) : IClassFixture<LedgerFactory>
{
    [Fact]
    public async Task A_bank_account_without_a_ledger_account_gets_a_new_asset_account_of_subtype_bank()
    {
        using var organisation = await Organisation.CreateAsync(factory);

        var first = await organisation.CreateBankAccountAsync("Barclays Business");
        var second = await organisation.CreateBankAccountAsync("Starling Savings");

        first.Id().ShouldStartWith("ba_");
        first.Text("sort_code").ShouldBe("20-00-00");
        first.Text("account_number_last4").ShouldBe("1234");
        first.Number("balance").ShouldBe(0m);
        var ledger = await organisation.GetAsync($"/api/v1/accounts/{first.Text("ledger_account_id")}");
        ledger.Text("type").ShouldBe("asset");
        ledger.Text("subtype").ShouldBe("bank");
        ledger.Text("name").ShouldBe("Barclays Business");
        ledger.Text("code").ShouldBe("091");
        (await organisation.GetAsync($"/api/v1/accounts/{second.Text("ledger_account_id")}")).Text("code").ShouldBe("092");
    }

    [Fact]
    public async Task A_bank_account_can_use_an_existing_asset_account_of_the_organisation()
    {
        using var organisation = await Organisation.CreateAsync(factory);

        var account = await organisation.CreateBankAccountAsync(ledgerAccountId: organisation.Account("090"));

        account.Text("ledger_account_id").ShouldBe(organisation.Account("090"));
        (await organisation.ScalarAsync<long>("SELECT count(*) FROM accounts WHERE organisation_id = @Id AND subtype = 'bank'")).ShouldBe(1);
    }

    [Fact]
    public async Task A_ledger_account_that_is_not_an_asset_of_this_organisation_is_a_422_naming_it()
    {
        using var organisation = await Organisation.CreateAsync(factory);
        using var other = await Organisation.CreateAsync(factory);
        await organisation.CreateBankAccountAsync(ledgerAccountId: organisation.Account("090"));

        foreach (var ledgerAccountId in new[] { organisation.Account("200"), other.Account("090"), organisation.Account("090"), "acc_doesnotexist" })
        {
            var refused = await organisation.PostExpectingAsync(
                "/api/v1/bank-accounts", new { name = "Second", currency = "GBP", ledger_account_id = ledgerAccountId }, HttpStatusCode.UnprocessableEntity);
            refused.ErrorFields().ShouldBe(["ledger_account_id"]);
        }

        (await organisation.ScalarAsync<long>("SELECT count(*) FROM bank_accounts WHERE organisation_id = @Id")).ShouldBe(1);
    }

    [Theory]
    [InlineData("""{"currency":"GBP"}""", "name")]
    [InlineData("""{"name":"Main","currency":"XYZ"}""", "currency")]
    [InlineData("""{"name":"Main","currency":"gbp"}""", "currency")]
    [InlineData("""{"name":"Main","currency":"GBP","sort_code":"12345"}""", "sort_code")]
    [InlineData("""{"name":"Main","currency":"GBP","account_number_last4":"12a4"}""", "account_number_last4")]
    [InlineData("""{"name":"Main","currency":"GBP","ledger_account_id":"ct_123"}""", "ledger_account_id")]
    public async Task Bad_bank_accounts_are_refused_naming_the_field(string body, string field)
    {
        using var organisation = await Organisation.CreateAsync(factory);
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");

        var refused = await Api.ExpectAsync(await organisation.Client.PostAsync(new Uri("/api/v1/bank-accounts", UriKind.Relative), content), HttpStatusCode.UnprocessableEntity);

        refused.ErrorFields().ShouldContain(field);
    }

    [Fact]
    public async Task The_balance_is_the_sum_of_the_accounts_transactions_and_PATCH_changes_only_the_descriptive_fields()
    {
        using var organisation = await Organisation.CreateAsync(factory);
        var account = await organisation.CreateBankAccountAsync();
        await organisation.CreateTransactionAsync(account.Id(), "BGC NORTHWIND", 1000m);
        await organisation.CreateTransactionAsync(account.Id(), "FPO ZQXWV HOLDINGS", -250.55m);

        var path = $"/api/v1/bank-accounts/{account.Id()}";
        (await organisation.GetAsync(path)).Number("balance").ShouldBe(749.45m);
        var renamed = await organisation.PatchExpectingAsync(path, new { name = "Barclays Current", sort_code = "309634", account_number_last4 = "9876" }, HttpStatusCode.OK);
        renamed.Text("name").ShouldBe("Barclays Current");
        renamed.Text("sort_code").ShouldBe("30-96-34");
        renamed.Text("currency").ShouldBe("GBP");
        (await organisation.PatchExpectingAsync(path, new { currency = "EUR" }, HttpStatusCode.UnprocessableEntity)).ErrorFields().ShouldBe(["currency"]);
        var page = await organisation.GetAsync("/api/v1/bank-accounts");
        page.GetProperty("data").EnumerateArray().Single().Text("name").ShouldBe("Barclays Current");
        page.GetProperty("pagination").Number("total").ShouldBe(1m);
    }
}
