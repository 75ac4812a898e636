using System.Net;
using System.Net.Http.Json;

namespace Accounting.Ledger.Tests.Banking;

public sealed class BankingTenancyTests(LedgerFactory factory) : IClassFixture<LedgerFactory>
{
    [Fact]
    public async Task Another_organisations_bank_accounts_and_transactions_are_404_in_the_path_and_change_nothing()
    {
        using var owner = await Organisation.CreateAsync(factory);
        using var intruder = await Organisation.CreateAsync(factory);
        var account = await owner.CreateBankAccountAsync();
        var transaction = await owner.CreateTransactionAsync(account.Id(), "FPO ZQXWV HOLDINGS", -10m);
        var before = await owner.ScalarAsync<string>(
            "SELECT string_agg(t.id || coalesce(t.category_id, '') || coalesce(t.notes, '') || b.name, ',') FROM bank_transactions t JOIN bank_accounts b ON b.id = t.bank_account_id WHERE t.organisation_id = @Id");

        (string Method, string Path, object? Body)[] calls =
        [
            ("GET", $"/api/v1/bank-accounts/{account.Id()}", null),
            ("PATCH", $"/api/v1/bank-accounts/{account.Id()}", new { name = "Hijacked" }),
            ("GET", $"/api/v1/transactions/{transaction.Id()}", null),
            ("PATCH", $"/api/v1/transactions/{transaction.Id()}", new { notes = "Hijacked" }),
        ];
        foreach (var (method, path, body) in calls)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = body is null ? null : JsonContent.Create(body) };
            (await Api.ExpectAsync(await intruder.Client.SendAsync(request), HttpStatusCode.NotFound)).ErrorCode().ShouldBe("not_found", $"{method} {path}");
        }

        (await owner.ScalarAsync<string>(
            "SELECT string_agg(t.id || coalesce(t.category_id, '') || coalesce(t.notes, '') || b.name, ',') FROM bank_transactions t JOIN bank_accounts b ON b.id = t.bank_account_id WHERE t.organisation_id = @Id"))
            .ShouldBe(before);
        (await intruder.GetAsync("/api/v1/bank-accounts")).GetProperty("data").GetArrayLength().ShouldBe(0);
        (await intruder.GetAsync("/api/v1/transactions")).GetProperty("data").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task Another_organisations_ids_in_a_body_or_a_filter_are_a_422_naming_the_field()
    {
        using var owner = await Organisation.CreateAsync(factory);
        using var intruder = await Organisation.CreateAsync(factory);
        var ownersAccount = await owner.CreateBankAccountAsync();
        var intrudersAccount = await intruder.CreateBankAccountAsync();
        var intrudersTransaction = await intruder.CreateTransactionAsync(intrudersAccount.Id(), "FPO ZQXWV HOLDINGS", -10m);
        var ownersCategory = await owner.CategoryAsync("rent");

        (await intruder.PostExpectingAsync("/api/v1/transactions", new { bank_account_id = ownersAccount.Id(), date = "2026-03-01", description = "x", amount = -1m }, HttpStatusCode.UnprocessableEntity))
            .ErrorFields().ShouldBe(["bank_account_id"]);
        (await intruder.PatchExpectingAsync($"/api/v1/transactions/{intrudersTransaction.Id()}", new { category_id = ownersCategory }, HttpStatusCode.UnprocessableEntity))
            .ErrorFields().ShouldBe(["category_id"]);
        foreach (var (filter, value) in new[] { ("bank_account_id", ownersAccount.Id()), ("category_id", ownersCategory) })
        {
            var response = await intruder.Client.GetAsync(new Uri($"/api/v1/transactions?{filter}={value}", UriKind.Relative));
            (await Api.ExpectAsync(response, HttpStatusCode.UnprocessableEntity)).ErrorFields().ShouldBe([filter]);
        }

        var customer = await intruder.CreateContactAsync();
        var invoice = (await intruder.CreateInvoiceAsync(customer)).Id();
        await intruder.PostExpectingAsync($"/api/v1/invoices/{invoice}/send", null, HttpStatusCode.OK);
        (await intruder.PostExpectingAsync($"/api/v1/invoices/{invoice}/payments", new { amount = 10m, date = "2026-03-05", bank_account_id = ownersAccount.Id() }, HttpStatusCode.UnprocessableEntity))
            .ErrorFields().ShouldBe(["bank_account_id"]);
    }
}
