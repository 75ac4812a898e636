using Accounting.Ledger.Endpoints;
using Accounting.ServiceDefaults.Identity;

namespace Accounting.Ledger.Trade;

public sealed record CreateInvoiceRequest(
    string? ContactId, DateOnly? IssueDate, DateOnly? DueDate, string? Currency, string? Reference, IReadOnlyList<TradeLineRequest>? Lines) : ITradeDocumentRequest;

/// <summary>Fields left out keep their value; <c>lines</c>, when sent, replaces every line.</summary>
public sealed record UpdateInvoiceRequest(
    string? ContactId, DateOnly? IssueDate, DateOnly? DueDate, string? Currency, string? Reference, IReadOnlyList<TradeLineRequest>? Lines);

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
            request.Currency ?? current.Currency, request.Reference ?? current.Reference, request.Lines ?? lines));

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
