using System.Net;
using System.Text.Json;
using Accounting.Contracts.Auth;
using Accounting.Ledger.Organisations;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Accounting.Ledger.Tests.Banking;

public sealed class BankTransactionTests(LedgerFactory factory) : IClassFixture<LedgerFactory>
{
    [Fact]
    public async Task A_well_known_payee_is_categorised_at_once_and_posted_between_the_category_and_the_bank()
    {
        using var organisation = await Organisation.CreateAsync(factory);
        var bank = await organisation.CreateBankAccountAsync();
        var transaction = await organisation.CreateTransactionAsync(bank.Id(), "AWS EMEA aws.amazon.co.uk LU", -45.99m);

        transaction.GetProperty("category").Text("id").ShouldBe(await organisation.CategoryAsync("software"));
        transaction.Text("categorised_by").ShouldBe("auto");
        transaction.Number("confidence").ShouldBeGreaterThanOrEqualTo(0.9m);
        transaction.Text("currency").ShouldBe("GBP");
        var lines = await organisation.LinesOfAsync(transaction.Text("journal_entry_id"));
        lines.ShouldBe([("485", 45.99m, 0m), (bank.Text("ledger_account_id") is var ledger ? await CodeOf(organisation, ledger) : "", 0m, 45.99m)]);
        var events = await organisation.EventsAsync();
        events.Select(e => e.Type).ShouldContain("transaction.created");
        var categorised = events.Single(e => e.Type == "transaction.categorised").Payload;
        categorised.Text("id").ShouldBe(transaction.Id());
        categorised.GetProperty("category").Text("name").ShouldBe("Software & Subscriptions");
        categorised.Text("categorised_by").ShouldBe("auto");
    }

    [Fact]
    public async Task The_organisations_own_threshold_decides_what_is_categorised_at_once()
    {
        using var organisation = await Organisation.CreateAsync(factory);
        var bank = await organisation.CreateBankAccountAsync();
        await using (var connection = await factory.Services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await OrganisationSettingsStore.ApplyAsync(
                transaction, organisation.Id, OrganisationSettings.Defaults with { AutoCategoriseThreshold = 1m }, version: 2, CancellationToken.None);
            await transaction.CommitAsync();
        }

        var transactionView = await organisation.CreateTransactionAsync(bank.Id(), "AWS EMEA aws.amazon.co.uk LU", -45.99m);

        transactionView.GetProperty("category").ValueKind.ShouldBe(JsonValueKind.Null);
        transactionView.GetProperty("suggested_category").Text("id").ShouldBe(await organisation.CategoryAsync("software"));
        transactionView.Number("confidence").ShouldBeLessThan(1m);
        transactionView.GetProperty("journal_entry_id").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task An_unknown_payee_is_left_uncategorised_without_a_guess()
    {
        using var organisation = await Organisation.CreateAsync(factory);
        var bank = await organisation.CreateBankAccountAsync();
        var transaction = await organisation.CreateTransactionAsync(bank.Id(), "FPO ZQXWV HOLDINGS 88812", -120m);

        transaction.GetProperty("category").ValueKind.ShouldBe(JsonValueKind.Null);
        transaction.GetProperty("suggested_category").ValueKind.ShouldBe(JsonValueKind.Null);
        transaction.GetProperty("confidence").ValueKind.ShouldBe(JsonValueKind.Null);
        transaction.GetProperty("journal_entry_id").ValueKind.ShouldBe(JsonValueKind.Null);
        (await organisation.EventsAsync()).Where(e => e.Type.StartsWith("transaction.", StringComparison.Ordinal)).Select(e => e.Type).ShouldBe(["transaction.created"]);
    }

    [Fact]
    public async Task Recategorising_reverses_the_previous_entry_and_posts_a_new_one()
    {
        using var organisation = await Organisation.CreateAsync(factory);
        var bank = await organisation.CreateBankAccountAsync();
        var ledger = bank.Text("ledger_account_id");
        var bankCode = await CodeOf(organisation, ledger);
        var transaction = await organisation.CreateTransactionAsync(bank.Id(), "FPO ZQXWV HOLDINGS", -120m);
        var path = $"/api/v1/transactions/{transaction.Id()}";

        var first = await organisation.PatchExpectingAsync(path, new { category_id = await organisation.CategoryAsync("rent") }, HttpStatusCode.OK);
        first.Text("categorised_by").ShouldBe("user");
        first.Number("confidence").ShouldBe(1m);
        var firstEntry = first.Text("journal_entry_id");
        (await organisation.LinesOfAsync(firstEntry)).ShouldBe([("469", 120m, 0m), (bankCode, 0m, 120m)]);

        var second = await organisation.PatchExpectingAsync(path, new { category_id = await organisation.CategoryAsync("repairs") }, HttpStatusCode.OK);
        var secondEntry = second.Text("journal_entry_id");
        secondEntry.ShouldNotBe(firstEntry);
        (await organisation.LinesOfAsync(secondEntry)).ShouldBe([("473", 120m, 0m), (bankCode, 0m, 120m)]);
        var reversed = await organisation.GetAsync($"/api/v1/journal-entries/{firstEntry}");
        var reversal = reversed.Text("reversed_by_id");
        (await organisation.LinesOfAsync(reversal)).ShouldBe([("469", 0m, 120m), (bankCode, 120m, 0m)]);
        (await organisation.GetAsync($"/api/v1/journal-entries/{reversal}")).Text("date").ShouldBe("2026-03-10");

        (await organisation.AccountNetAsync(organisation.Account("469"))).ShouldBe(0m);
        (await organisation.AccountNetAsync(organisation.Account("473"))).ShouldBe(120m);
        (await organisation.AccountNetAsync(ledger)).ShouldBe(-120m);
    }

    [Fact]
    public async Task Clearing_the_category_reverses_its_entry_and_keeps_the_suggestion()
    {
        using var organisation = await Organisation.CreateAsync(factory);
        var bank = await organisation.CreateBankAccountAsync();
        var transaction = await organisation.CreateTransactionAsync(bank.Id(), "TFL TRAVEL CH TFL.GOV.UK/CP", -6.80m);
        var entry = transaction.Text("journal_entry_id");

        var cleared = await organisation.PatchExpectingAsync($"/api/v1/transactions/{transaction.Id()}", new { category_id = (string?)null }, HttpStatusCode.OK);

        cleared.GetProperty("category").ValueKind.ShouldBe(JsonValueKind.Null);
        cleared.GetProperty("categorised_by").ValueKind.ShouldBe(JsonValueKind.Null);
        cleared.GetProperty("journal_entry_id").ValueKind.ShouldBe(JsonValueKind.Null);
        cleared.GetProperty("suggested_category").Text("id").ShouldBe(await organisation.CategoryAsync("travel_transport"));
        cleared.Number("confidence").ShouldBe(transaction.Number("confidence"));
        (await organisation.GetAsync($"/api/v1/journal-entries/{entry}")).GetProperty("reversed_by_id").ValueKind.ShouldBe(JsonValueKind.String);
        (await organisation.AccountNetAsync(bank.Text("ledger_account_id"))).ShouldBe(0m);
        var last = (await organisation.EventsAsync()).Last(e => e.Type == "transaction.categorised").Payload;
        last.GetProperty("category").ValueKind.ShouldBe(JsonValueKind.Null);
        last.GetProperty("previous_category").Text("name").ShouldBe("Trains, flights and taxis");
    }

    [Fact]
    public async Task Money_in_debits_the_bank_and_credits_the_category()
    {
        using var organisation = await Organisation.CreateAsync(factory);
        var bank = await organisation.CreateBankAccountAsync();
        var transaction = await organisation.CreateTransactionAsync(bank.Id(), "BGC NORTHWIND TRADERS", 1500m);

        var categorised = await organisation.PatchExpectingAsync($"/api/v1/transactions/{transaction.Id()}", new { category_id = await organisation.CategoryAsync("sales") }, HttpStatusCode.OK);

        (await organisation.LinesOfAsync(categorised.Text("journal_entry_id"))).ShouldBe([(await CodeOf(organisation, bank.Text("ledger_account_id")), 1500m, 0m), ("200", 0m, 1500m)]);
    }

    [Fact]
    public async Task A_transaction_dated_in_a_closed_period_cannot_be_categorised_or_recategorised()
    {
        using var organisation = await Organisation.CreateAsync(factory);
        var bank = await organisation.CreateBankAccountAsync();
        var categorised = await organisation.CreateTransactionAsync(bank.Id(), "FPO ZQXWV HOLDINGS", -50m, "2026-01-15");
        await organisation.PatchExpectingAsync($"/api/v1/transactions/{categorised.Id()}", new { category_id = await organisation.CategoryAsync("rent") }, HttpStatusCode.OK);
        var uncategorised = await organisation.CreateTransactionAsync(bank.Id(), "FPO MOXLEY ORCHARDS", -60m, "2026-01-20");
        await organisation.PostExpectingAsync("/api/v1/periods/close", new { period_end = "2026-01-31" }, HttpStatusCode.OK);
        var before = await organisation.ScalarAsync<long>("SELECT count(*) FROM journal_entries WHERE organisation_id = @Id");

        foreach (var (id, category) in new[] { (uncategorised.Id(), "rent"), (categorised.Id(), "repairs") })
        {
            var refused = await organisation.PatchExpectingAsync($"/api/v1/transactions/{id}", new { category_id = await organisation.CategoryAsync(category) }, HttpStatusCode.Conflict);
            refused.ErrorCode().ShouldBe("conflict");
        }

        (await organisation.PatchExpectingAsync($"/api/v1/transactions/{categorised.Id()}", new { category_id = (string?)null }, HttpStatusCode.Conflict)).ErrorCode().ShouldBe("conflict");
        (await organisation.ScalarAsync<long>("SELECT count(*) FROM journal_entries WHERE organisation_id = @Id")).ShouldBe(before);
        (await organisation.GetAsync($"/api/v1/transactions/{categorised.Id()}")).GetProperty("category").Text("id").ShouldBe(await organisation.CategoryAsync("rent"));
    }

    private static async Task<string> CodeOf(Organisation organisation, string accountId) =>
        (await organisation.GetAsync($"/api/v1/accounts/{accountId}")).Text("code");
}
