using System.Net;
using System.Text.Json;

namespace Accounting.Ledger.Tests.Banking;

public sealed class BankTransactionInputTests(LedgerFactory factory) : IClassFixture<LedgerFactory>
{
    [Fact]
    public async Task Bad_transactions_are_refused_naming_the_field_and_nothing_is_written()
    {
        using var organisation = await Organisation.CreateAsync(factory);
        var gbp = (await organisation.CreateBankAccountAsync()).Id();
        var yen = (await organisation.CreateBankAccountAsync("Tokyo", "JPY")).Id();

        (object Body, string Field)[] cases =
        [
            (new { bank_account_id = gbp, date = "2026-03-01", description = "x", amount = -1.234m }, "amount"),
            (new { bank_account_id = yen, date = "2026-03-01", description = "x", amount = -100.5m }, "amount"),
            (new { bank_account_id = gbp, date = "2026-03-01", description = "x", amount = 0m }, "amount"),
            (new { bank_account_id = gbp, date = "2026-03-01", description = "x", amount = -10m, currency = "EUR" }, "currency"),
            (new { bank_account_id = gbp, date = "2026-03-01", description = "", amount = -10m }, "description"),
            (new { bank_account_id = gbp, date = "1066-10-14", description = "x", amount = -10m }, "date"),
            (new { bank_account_id = "acc_123", date = "2026-03-01", description = "x", amount = -10m }, "bank_account_id"),
            (new { bank_account_id = "ba_missing", date = "2026-03-01", description = "x", amount = -10m }, "bank_account_id"),
        ];
        foreach (var (body, field) in cases)
        {
            var refused = await organisation.PostExpectingAsync("/api/v1/transactions", body, HttpStatusCode.UnprocessableEntity);
            refused.ErrorFields().ShouldContain(field, JsonSerializer.Serialize(body));
        }

        (await organisation.ScalarAsync<long>("SELECT count(*) FROM bank_transactions WHERE organisation_id = @Id")).ShouldBe(0);
        (await organisation.CreateTransactionAsync(yen, "FPO ZQXWV HOLDINGS", -1500m)).Number("amount").ShouldBe(-1500m);
    }

    [Fact]
    public async Task Notes_change_without_touching_the_category_and_an_empty_patch_is_refused()
    {
        using var organisation = await Organisation.CreateAsync(factory);
        var account = await organisation.CreateBankAccountAsync();
        var transaction = await organisation.CreateTransactionAsync(account.Id(), "AWS EMEA", -20m);
        var path = $"/api/v1/transactions/{transaction.Id()}";

        var noted = await organisation.PatchExpectingAsync(path, new { notes = "Hosting for the shop" }, HttpStatusCode.OK);
        noted.Text("notes").ShouldBe("Hosting for the shop");
        noted.Text("journal_entry_id").ShouldBe(transaction.Text("journal_entry_id"));
        noted.Text("categorised_by").ShouldBe("auto");
        (await organisation.PatchExpectingAsync(path, new { notes = (string?)null }, HttpStatusCode.OK)).GetProperty("notes").ValueKind.ShouldBe(JsonValueKind.Null);
        (await organisation.PatchExpectingAsync(path, new { }, HttpStatusCode.UnprocessableEntity)).ErrorFields().ShouldBe(["category_id"]);
        (await organisation.PatchExpectingAsync(path, new { category_id = "acc_123" }, HttpStatusCode.UnprocessableEntity)).ErrorFields().ShouldBe(["category_id"]);
    }

    [Fact]
    public async Task Confirming_the_categorisers_choice_makes_it_the_users_without_posting_again()
    {
        using var organisation = await Organisation.CreateAsync(factory);
        var account = await organisation.CreateBankAccountAsync();
        var transaction = await organisation.CreateTransactionAsync(account.Id(), "AWS EMEA", -20m);

        var confirmed = await organisation.PatchExpectingAsync(
            $"/api/v1/transactions/{transaction.Id()}", new { category_id = transaction.GetProperty("category").Id() }, HttpStatusCode.OK);

        confirmed.Text("categorised_by").ShouldBe("user");
        confirmed.Number("confidence").ShouldBe(1m);
        confirmed.Text("journal_entry_id").ShouldBe(transaction.Text("journal_entry_id"));
        (await organisation.EventsAsync()).Count(e => e.Type == "transaction.categorised").ShouldBe(2);
        (await organisation.ScalarAsync<long>("SELECT count(*) FROM journal_entries WHERE organisation_id = @Id")).ShouldBe(1);
    }

    [Fact]
    public async Task The_categoriser_learns_from_the_organisations_own_history_and_never_from_another()
    {
        using var learner = await Organisation.CreateAsync(factory);
        using var bystander = await Organisation.CreateAsync(factory);
        var account = await learner.CreateBankAccountAsync();
        var othersAccount = await bystander.CreateBankAccountAsync();
        var first = await learner.CreateTransactionAsync(account.Id(), "FPO KESTREL PLUMBING REF 88123", -300m);
        first.GetProperty("suggested_category").GetProperty("id").GetString().ShouldBe(await learner.CategoryAsync("repairs"));
        await learner.PatchExpectingAsync($"/api/v1/transactions/{first.Id()}", new { category_id = await learner.CategoryAsync("subcontractors") }, HttpStatusCode.OK);

        var next = await learner.CreateTransactionAsync(account.Id(), "FPO KESTREL PLUMBING REF 99321", -280m, "2026-04-10");
        var elsewhere = await bystander.CreateTransactionAsync(othersAccount.Id(), "FPO KESTREL PLUMBING REF 99321", -280m, "2026-04-10");

        next.GetProperty("category").Text("id").ShouldBe(await learner.CategoryAsync("subcontractors"));
        next.Text("categorised_by").ShouldBe("auto");
        elsewhere.GetProperty("suggested_category").Text("id").ShouldBe(await bystander.CategoryAsync("repairs"));
    }
}
