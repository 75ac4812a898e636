namespace Accounting.Contracts.Ledger;

// Amounts in these events are exact decimals in the currency's major units (GBP 12.34), never
// floating point; every amount travels with its ISO 4217 currency.

/// <summary>
/// A journal entry was posted. Carries everything a read model (reports, VAT return) needs
/// without calling the ledger back: the accounts' codes and types, and each line's VAT role.
/// </summary>
[EventContract("journal_entry.posted", 1)]
public sealed record JournalEntryPosted : IntegrationEvent
{
    public required string JournalEntryId { get; init; }

    /// <summary>
    /// The entry's place in its organisation's gapless series (1, 2, 3, …), in commit order: a
    /// consumer that has applied 1…n knows it lacks nothing before n + 1.
    /// </summary>
    public required long Sequence { get; init; }

    public required DateOnly Date { get; init; }

    public required string Currency { get; init; }

    public required string Description { get; init; }

    public string? Reference { get; init; }

    /// <summary>What caused the entry: <c>manual</c>, <c>invoice</c>, <c>invoice_payment</c>, <c>bill</c>, <c>bill_payment</c>, <c>reversal</c>.</summary>
    public required string SourceType { get; init; }

    /// <summary>The id of the source document (invoice, bill, payment, reversed entry); null for manual entries.</summary>
    public string? SourceId { get; init; }

    /// <summary>Set when this entry reverses another one.</summary>
    public string? ReversesJournalEntryId { get; init; }

    public required IReadOnlyList<JournalLinePosted> Lines { get; init; }
}

/// <summary>One side of a posting: exactly one of <see cref="Debit"/> and <see cref="Credit"/> is positive, the other zero.</summary>
public sealed record JournalLinePosted
{
    public required int LineNumber { get; init; }

    public required string AccountId { get; init; }

    public required string AccountCode { get; init; }

    public required string AccountName { get; init; }

    /// <summary><c>asset</c>, <c>liability</c>, <c>equity</c>, <c>income</c> or <c>expense</c>.</summary>
    public required string AccountType { get; init; }

    public string? AccountSubtype { get; init; }

    public required decimal Debit { get; init; }

    public required decimal Credit { get; init; }

    public string? Description { get; init; }

    /// <summary>
    /// How the line counts on a UK VAT return: <c>output_vat</c> (VAT charged on sales, box 1),
    /// <c>input_vat</c> (VAT reclaimed on purchases, box 4), <c>sales_net</c> (net sales, box 6),
    /// <c>purchases_net</c> (net purchases, box 7), or null when the line is outside VAT.
    /// </summary>
    public string? VatRole { get; init; }

    /// <summary>The VAT rate in percent (20 = 20 %) applied to a <c>sales_net</c>/<c>purchases_net</c> line.</summary>
    public decimal? VatRate { get; init; }
}

[EventContract("contact.created", 1)]
public sealed record ContactCreated : IntegrationEvent
{
    public required string Id { get; init; }

    /// <summary><c>customer</c> or <c>supplier</c>.</summary>
    public required string Type { get; init; }

    public required string Name { get; init; }

    public string? Email { get; init; }

    public string? VatNumber { get; init; }
}

[EventContract("invoice.created", 1)]
public sealed record InvoiceCreated : IntegrationEvent
{
    public required string Id { get; init; }

    public required string InvoiceNumber { get; init; }

    public required string ContactId { get; init; }

    public required decimal Total { get; init; }

    public required string Currency { get; init; }

    public required DateOnly IssueDate { get; init; }

    public required DateOnly DueDate { get; init; }
}

[EventContract("invoice.sent", 1)]
public sealed record InvoiceSent : IntegrationEvent
{
    public required string Id { get; init; }

    public required string InvoiceNumber { get; init; }

    public required string ContactId { get; init; }

    public required decimal Subtotal { get; init; }

    public required decimal VatTotal { get; init; }

    public required decimal Total { get; init; }

    public required string Currency { get; init; }

    /// <summary>The document's issue date (its posting's date); absent from events emitted before it was added.</summary>
    public DateOnly? IssueDate { get; init; }

    public required DateOnly DueDate { get; init; }

    public required string JournalEntryId { get; init; }
}

/// <summary>The invoice is settled in full; <see cref="Amount"/> is its total.</summary>
[EventContract("invoice.paid", 1)]
public sealed record InvoicePaid : IntegrationEvent
{
    public required string Id { get; init; }

    public required string InvoiceNumber { get; init; }

    public required decimal Amount { get; init; }

    public required string Currency { get; init; }

    public required string ContactId { get; init; }

    public required DateOnly PaidOn { get; init; }
}

[EventContract("invoice.voided", 1)]
public sealed record InvoiceVoided : IntegrationEvent
{
    public required string Id { get; init; }

    public required string InvoiceNumber { get; init; }

    public required string ContactId { get; init; }

    public required decimal Total { get; init; }

    public required string Currency { get; init; }

    /// <summary>The entry that reversed the invoice's posting; null when a draft was voided.</summary>
    public string? ReversalJournalEntryId { get; init; }
}

[EventContract("bill.created", 1)]
public sealed record BillCreated : IntegrationEvent
{
    public required string Id { get; init; }

    public string? BillNumber { get; init; }

    public required string ContactId { get; init; }

    public required decimal Total { get; init; }

    public required string Currency { get; init; }

    public required DateOnly IssueDate { get; init; }

    public required DateOnly DueDate { get; init; }
}

[EventContract("bill.approved", 1)]
public sealed record BillApproved : IntegrationEvent
{
    public required string Id { get; init; }

    public string? BillNumber { get; init; }

    public required string ContactId { get; init; }

    public required decimal Subtotal { get; init; }

    public required decimal VatTotal { get; init; }

    public required decimal Total { get; init; }

    public required string Currency { get; init; }

    /// <summary>The document's issue date (its posting's date); absent from events emitted before it was added.</summary>
    public DateOnly? IssueDate { get; init; }

    public required DateOnly DueDate { get; init; }

    public required string JournalEntryId { get; init; }
}

/// <summary>The bill is settled in full; <see cref="Amount"/> is its total.</summary>
[EventContract("bill.paid", 1)]
public sealed record BillPaid : IntegrationEvent
{
    public required string Id { get; init; }

    public string? BillNumber { get; init; }

    public required decimal Amount { get; init; }

    public required string Currency { get; init; }

    public required string ContactId { get; init; }

    public required DateOnly PaidOn { get; init; }
}

/// <summary>Money received against an invoice.</summary>
[EventContract("payment.received", 1)]
public sealed record PaymentReceived : IntegrationEvent
{
    public required string Id { get; init; }

    public required string InvoiceId { get; init; }

    public required string InvoiceNumber { get; init; }

    public required string ContactId { get; init; }

    public required decimal Amount { get; init; }

    public required string Currency { get; init; }

    public required DateOnly Date { get; init; }

    public required string BankAccountId { get; init; }

    public required decimal AmountDue { get; init; }

    public required string JournalEntryId { get; init; }
}

/// <summary>Money paid against a bill.</summary>
[EventContract("payment.made", 1)]
public sealed record PaymentMade : IntegrationEvent
{
    public required string Id { get; init; }

    public required string BillId { get; init; }

    public string? BillNumber { get; init; }

    public required string ContactId { get; init; }

    public required decimal Amount { get; init; }

    public required string Currency { get; init; }

    public required DateOnly Date { get; init; }

    public required string BankAccountId { get; init; }

    public required decimal AmountDue { get; init; }

    public required string JournalEntryId { get; init; }
}

/// <summary>No posting dated on or before <see cref="PeriodEnd"/> is accepted any more.</summary>
[EventContract("period.closed", 1)]
public sealed record PeriodClosed : IntegrationEvent
{
    public required DateOnly PeriodEnd { get; init; }

    public required string ClosedBy { get; init; }
}
