using Accounting.Contracts.Ledger;
using Accounting.Messaging;
using Dapper;
using Npgsql;

namespace Accounting.Reports.ReadModel;

/// <summary>
/// The invoice, bill, payment and contact events the aged receivables and payables are built from.
/// Every write is keyed by organisation and document, and a redelivery changes nothing. Each arrival
/// wakes the aged reports waiting for it (<see cref="TradeSources"/>), as an applied journal entry does.
/// </summary>
public static class TradeDocumentCopies
{
    public const string Invoice = "invoice";
    public const string Bill = "bill";

    /// <summary>
    /// Events from before <c>issue_date</c> was added lack it: the day the document was sent or
    /// approved is then the earliest date it is known to have been owed.
    /// </summary>
    public static Task KeepAsync(
        NpgsqlTransaction transaction, string organisationId, string kind, string documentId, string contactId, string currency, decimal total,
        DateOnly? issueDate, DateOnly dueDate, DateTimeOffset occurredAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return transaction.Connection!.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO trade_documents (organisation_id, document_id, kind, contact_id, currency, total, issue_date, due_date)
            VALUES (@organisationId, @documentId, @kind, @contactId, @currency, @total, @IssueDate, @dueDate)
            ON CONFLICT DO NOTHING;
            SELECT pg_notify('reports_applied', @organisationId);
            """,
            new { organisationId, documentId, kind, contactId, currency, total, IssueDate = issueDate ?? DateOnly.FromDateTime(occurredAt.UtcDateTime), dueDate },
            transaction,
            cancellationToken: cancellationToken));
    }

    public static Task PaymentAsync(
        NpgsqlTransaction transaction, string organisationId, string paymentId, string documentId, decimal amount, DateOnly date, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return transaction.Connection!.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO trade_payments (organisation_id, payment_id, document_id, amount, date)
            VALUES (@organisationId, @paymentId, @documentId, @amount, @date)
            ON CONFLICT DO NOTHING;
            SELECT pg_notify('reports_applied', @organisationId);
            """,
            new { organisationId, paymentId, documentId, amount, date },
            transaction,
            cancellationToken: cancellationToken));
    }
}

public sealed class ContactCreatedConsumer(NpgsqlDataSource dataSource) : IdempotentConsumer<ContactCreated>(dataSource)
{
    protected override Task HandleAsync(ContactCreated message, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
        transaction.Connection!.ExecuteAsync(new CommandDefinition(
            "INSERT INTO contacts (organisation_id, contact_id, name) VALUES (@OrganisationId, @Id, @Name) ON CONFLICT DO NOTHING",
            new { message.OrganisationId, message.Id, message.Name },
            transaction,
            cancellationToken: cancellationToken));
}

public sealed class InvoiceSentConsumer(NpgsqlDataSource dataSource) : IdempotentConsumer<InvoiceSent>(dataSource)
{
    protected override Task HandleAsync(InvoiceSent message, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
        TradeDocumentCopies.KeepAsync(
            transaction, message.OrganisationId, TradeDocumentCopies.Invoice, message.Id, message.ContactId, message.Currency, message.Total,
            message.IssueDate, message.DueDate, message.OccurredAt, cancellationToken);
}

public sealed class BillApprovedConsumer(NpgsqlDataSource dataSource) : IdempotentConsumer<BillApproved>(dataSource)
{
    protected override Task HandleAsync(BillApproved message, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
        TradeDocumentCopies.KeepAsync(
            transaction, message.OrganisationId, TradeDocumentCopies.Bill, message.Id, message.ContactId, message.Currency, message.Total,
            message.IssueDate, message.DueDate, message.OccurredAt, cancellationToken);
}

/// <summary>Each payment, partial or final, carries its own date; invoice.paid only repeats the last one, so it is not consumed.</summary>
public sealed class PaymentReceivedConsumer(NpgsqlDataSource dataSource) : IdempotentConsumer<PaymentReceived>(dataSource)
{
    protected override Task HandleAsync(PaymentReceived message, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
        TradeDocumentCopies.PaymentAsync(transaction, message.OrganisationId, message.Id, message.InvoiceId, message.Amount, message.Date, cancellationToken);
}

public sealed class PaymentMadeConsumer(NpgsqlDataSource dataSource) : IdempotentConsumer<PaymentMade>(dataSource)
{
    protected override Task HandleAsync(PaymentMade message, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
        TradeDocumentCopies.PaymentAsync(transaction, message.OrganisationId, message.Id, message.BillId, message.Amount, message.Date, cancellationToken);
}

/// <summary>The ledger voids an invoice on the day it is asked to (its reversal is dated that UTC day), which is the event's own date.</summary>
public sealed class InvoiceVoidedConsumer(NpgsqlDataSource dataSource) : IdempotentConsumer<InvoiceVoided>(dataSource)
{
    protected override Task HandleAsync(InvoiceVoided message, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
        transaction.Connection!.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO trade_voids (organisation_id, document_id, voided_on) VALUES (@OrganisationId, @Id, @VoidedOn) ON CONFLICT DO NOTHING;
            SELECT pg_notify('reports_applied', @OrganisationId);
            """,
            new { message.OrganisationId, message.Id, VoidedOn = DateOnly.FromDateTime(message.OccurredAt.UtcDateTime) },
            transaction,
            cancellationToken: cancellationToken));
}
