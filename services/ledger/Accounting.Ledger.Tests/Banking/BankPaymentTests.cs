using System.Net;

namespace Accounting.Ledger.Tests.Banking;

public sealed class BankPaymentTests(LedgerFactory factory) : IClassFixture<LedgerFactory>
{
    [Fact]
    public async Task Paying_an_invoice_into_a_bank_account_posts_to_its_ledger_account_and_records_a_reconciled_bank_line()
    {
        using var organisation = await Organisation.CreateAsync(factory);
        var bank = await organisation.CreateBankAccountAsync();
        var customer = await organisation.CreateContactAsync();
        var invoice = (await organisation.CreateInvoiceAsync(customer)).Id();
        await organisation.PostExpectingAsync($"/api/v1/invoices/{invoice}/send", null, HttpStatusCode.OK);

        var paid = await organisation.PostExpectingAsync($"/api/v1/invoices/{invoice}/payments", new { amount = 120m, date = "2026-03-20", bank_account_id = bank.Id() }, HttpStatusCode.OK);

        var payment = paid.GetProperty("payments").EnumerateArray().Single();
        payment.Text("bank_account_id").ShouldBe(bank.Id());
        (await organisation.AccountNetAsync(bank.Text("ledger_account_id"))).ShouldBe(120m);
        (await organisation.AccountNetAsync(organisation.Account("090"))).ShouldBe(0m);
        var line = (await organisation.GetAsync($"/api/v1/transactions?bank_account_id={bank.Id()}")).GetProperty("data").EnumerateArray().Single();
        line.Number("amount").ShouldBe(120m);
        line.Text("payment_id").ShouldBe(payment.Id());
        line.Text("journal_entry_id").ShouldBe(payment.Text("journal_entry_id"));
        (await organisation.GetAsync($"/api/v1/bank-accounts/{bank.Id()}")).Number("balance").ShouldBe(120m);
        (await organisation.GetAsync("/api/v1/transactions?uncategorised=true")).GetProperty("data").GetArrayLength().ShouldBe(0);
        (await organisation.PatchExpectingAsync($"/api/v1/transactions/{line.Id()}", new { category_id = await organisation.CategoryAsync("sales") }, HttpStatusCode.Conflict))
            .ErrorCode().ShouldBe("conflict");
        (await organisation.EventsAsync()).Single(e => e.Type == "payment.received").Payload.Text("bank_account_id").ShouldBe(bank.Id());
    }

    [Fact]
    public async Task Paying_a_bill_from_a_bank_account_is_money_out_and_a_bank_account_in_another_currency_is_refused()
    {
        using var organisation = await Organisation.CreateAsync(factory);
        var bank = await organisation.CreateBankAccountAsync();
        var euros = await organisation.CreateBankAccountAsync("Euro account", "EUR");
        var supplier = await organisation.CreateContactAsync("supplier");
        var bill = (await organisation.CreateBillAsync(supplier)).Id();
        await organisation.PostExpectingAsync($"/api/v1/bills/{bill}/approve", null, HttpStatusCode.OK);

        (await organisation.PostExpectingAsync($"/api/v1/bills/{bill}/payments", new { amount = 50m, date = "2026-03-20", bank_account_id = euros.Id() }, HttpStatusCode.UnprocessableEntity))
            .ErrorFields().ShouldBe(["bank_account_id"]);
        await organisation.PostExpectingAsync($"/api/v1/bills/{bill}/payments", new { amount = 50m, date = "2026-03-20", bank_account_id = bank.Id() }, HttpStatusCode.OK);

        (await organisation.AccountNetAsync(bank.Text("ledger_account_id"))).ShouldBe(-50m);
        (await organisation.GetAsync($"/api/v1/bank-accounts/{bank.Id()}")).Number("balance").ShouldBe(-50m);
        (await organisation.GetAsync($"/api/v1/bank-accounts/{euros.Id()}")).Number("balance").ShouldBe(0m);
    }
}
