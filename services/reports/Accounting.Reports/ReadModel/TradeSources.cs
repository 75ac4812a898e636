using Dapper;
using Npgsql;

namespace Accounting.Reports.ReadModel;

/// <summary>
/// The journal entries an invoice, bill, payment or void posts name it (<c>source_type</c>,
/// <c>source_id</c>); its own event (which an aged report is built from) travels separately. What an
/// applied entry names but has not arrived is what an aged report still lacks.
/// </summary>
public static class TradeSources
{
    public const string Invoice = "invoice";
    public const string Bill = "bill";
    public const string InvoicePayment = "invoice_payment";
    public const string BillPayment = "bill_payment";
    public const string InvoiceVoid = "invoice_void";

    public static bool Names(string? sourceType) => sourceType is Invoice or Bill or InvoicePayment or BillPayment or InvoiceVoid;

    /// <summary>How many of the trade events named by entries dated on or before <paramref name="asOf"/> have not arrived.</summary>
    public static Task<long> MissingAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string organisationId, DateOnly asOf, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return connection.ExecuteScalarAsync<long>(new CommandDefinition(
            """
            SELECT count(*) FROM trade_sources s
            WHERE s.organisation_id = @organisationId AND s.date <= @asOf AND NOT CASE s.source_type
                WHEN 'invoice' THEN EXISTS (SELECT 1 FROM trade_documents d WHERE d.organisation_id = s.organisation_id AND d.document_id = s.source_id)
                WHEN 'bill' THEN EXISTS (SELECT 1 FROM trade_documents d WHERE d.organisation_id = s.organisation_id AND d.document_id = s.source_id)
                WHEN 'invoice_void' THEN EXISTS (SELECT 1 FROM trade_voids v WHERE v.organisation_id = s.organisation_id AND v.document_id = s.source_id)
                ELSE EXISTS (SELECT 1 FROM trade_payments p WHERE p.organisation_id = s.organisation_id AND p.payment_id = s.source_id)
            END
            """,
            new { organisationId, asOf }, transaction, cancellationToken: cancellationToken));
    }
}
