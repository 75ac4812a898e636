using Accounting.Contracts.Ledger;
using Accounting.Ledger.Banking;
using Accounting.Ledger.Posting;
using Accounting.Ledger.Trade;
using Accounting.ServiceDefaults.OpenApi;

namespace Accounting.Ledger.Endpoints;

/// <summary>
/// One consistent story told by the reference's examples: Acme Design Ltd invoices a customer for
/// consulting, is part paid into its bank account, and spends on software. Every figure adds up.
/// </summary>
internal static class ResourceExampleValues
{
    private const string Customer = "ct_5kQ2xVh8Lr3Wn0Pz7YtB4d";
    private const string BankLedgerAccount = "acc_0Hn4Rw8Jx2Kq6Tz1Vb9Mc3";
    private const string SalesAccount = "acc_7Lp1Xc5Qw9Er3Ty6Ui2Ob8";
    private const string InvoiceEntry = "je_2Vm8Nq4Wz6Rt1Yx3Kb7Lp9";
    private const string BankAccount = "ba_9Xr2Lm6Qp4Wn8Tz1Vk3Hc5";
    private static readonly DateTimeOffset Created = new(2026, 11, 2, 9, 30, 0, TimeSpan.Zero);

    public static IServiceCollection AddLedgerResourceExamples(this IServiceCollection services) => services
        .AddResourceExample(new AccountView(SalesAccount, "200", "Sales", "income", "revenue", false, "sales", Created, Created))
        .AddResourceExample(new ContactView(
            Customer, "customer", "Northwind Traders Ltd", "accounts@northwind.example", "+44 20 7946 0018",
            "12 Harbour Street, Bristol BS1 4RD", "GB123456789", Created, Created))
        .AddResourceExample(new CreateContactRequest(
            "customer", "Northwind Traders Ltd", "accounts@northwind.example", "+44 20 7946 0018", "12 Harbour Street, Bristol BS1 4RD", "GB123456789"))
        .AddResourceExample(new InvoiceView(Invoice(), "INV-0042"))
        .AddResourceExample(new CreateInvoiceRequest(
            Customer, new DateOnly(2026, 11, 2), new DateOnly(2026, 12, 2), "GBP",
            [new TradeLineRequest("Design consulting (hours)", 10m, 95.00m, 20m), new TradeLineRequest("Travel to client site", 1m, 45.00m, 0m)],
            "PO 7781"))
        .AddResourceExample(new CreateJournalEntryRequest(
            new DateOnly(2026, 11, 30), "November office rent", "GBP",
            [new JournalLineRequest("acc_3Fr7Gt1Hy5Ju9Ki2Lo6Pa4", Debit: 1_250.00m, Description: "Rent"), new JournalLineRequest(BankLedgerAccount, Credit: 1_250.00m)],
            "RENT-2026-11"))
        .AddResourceExample(new CreateBankTransactionRequest(BankAccount, new DateOnly(2026, 11, 20), "GITHUB.COM SUBSCRIPTION", -21.00m, null, "GBP"))
        .AddResourceExample(new JournalEntryView(
            InvoiceEntry, 17, new DateOnly(2026, 11, 2), "Invoice INV-0042", "GBP", null, new JournalSourceView("invoice", "inv_3Tq7Wk1Zp5Xr9Lm2Vn6Bc4"),
            null, null, 1_185.00m,
            [
                new JournalLineView(1, "acc_4Ds8Fg2Hj6Kl0Zx3Cv7Bn1", "610", "Trade Debtors", 1_185.00m, null, null, null, null),
                new JournalLineView(2, SalesAccount, "200", "Sales", null, 995.00m, "Design consulting", VatRoles.SalesNet, 20m),
                new JournalLineView(3, "acc_8Qw2Er6Ty0Ui4Op7As1Df5", "820", "VAT", null, 190.00m, null, VatRoles.OutputVat, 20m),
            ],
            Created))
        .AddResourceExample(new BankTransactionView(
            "txn_6Yh3Nj7Mk1Lp5Qw9Er2Ty4", new DateOnly(2026, 11, 20), "GITHUB.COM SUBSCRIPTION", -21.00m, "GBP", null, BankAccount,
            new CategoryReference("cat_1Zx5Cv9Bn3Mq7Wr2Et6Yu0", "Software & Subscriptions"), 0.97m, BankTransactions.ByAuto, null,
            "je_5Rt9Yu3Io7Pa1Sd4Fg8Hj2", null, null, null, Created.AddDays(18), Created.AddDays(18)));

    private static TradeDocumentView Invoice() => new()
    {
        Id = "inv_3Tq7Wk1Zp5Xr9Lm2Vn6Bc4",
        ContactId = Customer,
        IssueDate = new DateOnly(2026, 11, 2),
        DueDate = new DateOnly(2026, 12, 2),
        Currency = "GBP",
        Reference = "PO 7781",
        Status = "partially_paid",
        Lines =
        [
            new TradeLineView(1, "Design consulting (hours)", 10m, 95.00m, 20m, SalesAccount, 950.00m, 190.00m),
            new TradeLineView(2, "Travel to client site", 1m, 45.00m, 0m, SalesAccount, 45.00m, 0.00m),
        ],
        Subtotal = 995.00m,
        VatTotal = 190.00m,
        Total = 1_185.00m,
        AmountPaid = 500.00m,
        AmountDue = 685.00m,
        JournalEntryId = InvoiceEntry,
        Payments = [new PaymentView("pay_8Kj2Lh6Gf0Ds4Az7Xc1Vb5", 500.00m, new DateOnly(2026, 11, 16), BankAccount, "je_1Qa5Ws9Ed3Rf7Tg2Yh6Uj0", Created.AddDays(14))],
        CreatedAt = Created,
        UpdatedAt = Created.AddDays(14),
    };
}
