using Accounting.Ledger.Endpoints;
using Accounting.ServiceDefaults.Identity;

namespace Accounting.Ledger.Trade;

public sealed record CreateInvoiceRequest(
    string? ContactId, DateOnly? IssueDate, DateOnly? DueDate, string? Currency, IReadOnlyList<TradeLineRequest>? Lines, string? Reference = null) : ITradeDocumentRequest;

/// <summary>Fields left out keep their value; <c>lines</c>, when sent, replaces every line.</summary>
public sealed record UpdateInvoiceRequest(
    string? ContactId = null, DateOnly? IssueDate = null, DateOnly? DueDate = null, string? Currency = null, string? Reference = null, IReadOnlyList<TradeLineRequest>? Lines = null);

public sealed class CreateInvoiceValidator : TradeDocumentValidator<CreateInvoiceRequest>;

/// <summary>Invoices (contract §5): numbered INV-0001… without gaps per organisation.</summary>
public static class InvoiceEndpoints
{
    private static readonly TradeDocumentApi<InvoiceView, CreateInvoiceRequest, UpdateInvoiceRequest> Invoices = new(
        TradeKind.Invoice,
        PostAction: "send",
        SupplierNumber: _ => null,
        Merge: (request, current, lines) => new CreateInvoiceRequest(
            request.ContactId ?? current.ContactId, request.IssueDate ?? current.IssueDate, request.DueDate ?? current.DueDate,
            request.Currency ?? current.Currency, request.Lines ?? lines, request.Reference ?? current.Reference));

    public static IEndpointRouteBuilder MapInvoiceEndpoints(this IEndpointRouteBuilder app)
    {
        var invoices = app.MapTradeDocuments(Invoices);
        invoices.MapPost("/{id}/void", (string id, [AsParameters] Writes writes, CancellationToken cancellationToken) =>
            TradeEndpoints.Act<InvoiceView>(
                Invoices.Kind, writes, transaction => TradeDocuments.VoidInvoiceAsync(id, writes.Caller, transaction, writes.Clock, cancellationToken), cancellationToken))
            .RequireScope("invoices:write").WithName("voidInvoice");
        return app;
    }
}
