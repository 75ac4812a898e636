using Accounting.Ledger.Chart;
using Accounting.Ledger.Posting;

namespace Accounting.Ledger.Trade;

/// <summary>
/// Invoices and bills are mirror images: this says which side each one posts to, so one engine
/// serves both. An invoice debits receivables and credits sales and output VAT; a bill credits
/// payables and debits purchases and input VAT.
/// </summary>
public sealed record TradeKind(
    string Name,
    string IdPrefix,
    string Path,
    string ContactType,
    string DefaultLineAccountRole,
    string ControlAccountRole,
    string NetVatRole,
    string TaxVatRole,
    string PostedStatus,
    string PostingSource,
    string PaymentSource,
    bool ControlAccountIsDebited)
{
    public const string Draft = "draft";
    public const string PartiallyPaid = "partially_paid";
    public const string Paid = "paid";
    public const string Void = "void";

    public static readonly TradeKind Invoice = new(
        "invoice", "inv", "/api/v1/invoices", "customer", SystemRoles.Sales, SystemRoles.Receivables,
        VatRoles.SalesNet, VatRoles.OutputVat, "sent", JournalSources.Invoice, JournalSources.InvoicePayment, ControlAccountIsDebited: true);

    public static readonly TradeKind Bill = new(
        "bill", "bill", "/api/v1/bills", "supplier", SystemRoles.Purchases, SystemRoles.Payables,
        VatRoles.PurchasesNet, VatRoles.InputVat, "approved", JournalSources.Bill, JournalSources.BillPayment, ControlAccountIsDebited: false);

    public string[] Statuses => [Draft, PostedStatus, PartiallyPaid, Paid, Void];

    /// <summary>A line on the side the document's control account is not (revenue/VAT for invoices, expense/VAT for bills).</summary>
    public PostingLine CounterLine(string accountId, decimal amount, string? description, string vatRole, decimal? vatRate) =>
        ControlAccountIsDebited
            ? new PostingLine(accountId, 0, amount, description, vatRole, vatRate)
            : new PostingLine(accountId, amount, 0, description, vatRole, vatRate);

    public PostingLine ControlLine(string accountId, decimal amount, string description) =>
        ControlAccountIsDebited ? new PostingLine(accountId, amount, 0, description) : new PostingLine(accountId, 0, amount, description);

    /// <summary>Cash in for an invoice (debit bank), cash out for a bill (credit bank).</summary>
    public PostingLine[] PaymentLines(string bankAccountId, string controlAccountId, decimal amount, string description) =>
        ControlAccountIsDebited
            ? [new PostingLine(bankAccountId, amount, 0, description), new PostingLine(controlAccountId, 0, amount, description)]
            : [new PostingLine(controlAccountId, amount, 0, description), new PostingLine(bankAccountId, 0, amount, description)];
}
