using FluentValidation;

namespace Accounting.Ledger.Trade;

public sealed record CreateBillRequest(
    string? ContactId, DateOnly? IssueDate, DateOnly? DueDate, string? Currency, IReadOnlyList<TradeLineRequest>? Lines, string? BillNumber = null, string? Reference = null)
    : ITradeDocumentRequest;

/// <summary>Fields left out keep their value; <c>lines</c>, when sent, replaces every line.</summary>
public sealed record UpdateBillRequest(
    string? ContactId = null, string? BillNumber = null, DateOnly? IssueDate = null, DateOnly? DueDate = null, string? Currency = null, string? Reference = null,
    IReadOnlyList<TradeLineRequest>? Lines = null);

public sealed class CreateBillValidator : TradeDocumentValidator<CreateBillRequest>
{
    public CreateBillValidator() => RuleFor(r => r.BillNumber).MaximumLength(100);
}

/// <summary>Bills (contract §5): the purchase mirror of invoices; <c>bill_number</c> is the supplier's reference.</summary>
public static class BillEndpoints
{
    private static readonly TradeDocumentApi<BillView, CreateBillRequest, UpdateBillRequest> Bills = new(
        TradeKind.Bill,
        PostAction: "approve",
        SupplierNumber: request => request.BillNumber,
        Merge: (request, current, lines) => new CreateBillRequest(
            request.ContactId ?? current.ContactId, request.IssueDate ?? current.IssueDate, request.DueDate ?? current.DueDate, request.Currency ?? current.Currency,
            request.Lines ?? lines, request.BillNumber ?? current.Number, request.Reference ?? current.Reference));

    public static IEndpointRouteBuilder MapBillEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapTradeDocuments(Bills);
        return app;
    }
}
