using FluentValidation;

namespace Accounting.Ledger.Trade;

public sealed record CreateBillRequest(
    string? ContactId, string? BillNumber, DateOnly? IssueDate, DateOnly? DueDate, string? Currency, string? Reference, IReadOnlyList<TradeLineRequest>? Lines)
    : ITradeDocumentRequest;

/// <summary>Fields left out keep their value; <c>lines</c>, when sent, replaces every line.</summary>
public sealed record UpdateBillRequest(
    string? ContactId, string? BillNumber, DateOnly? IssueDate, DateOnly? DueDate, string? Currency, string? Reference, IReadOnlyList<TradeLineRequest>? Lines);

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
            request.ContactId ?? current.ContactId, request.BillNumber ?? current.Number, request.IssueDate ?? current.IssueDate, request.DueDate ?? current.DueDate,
            request.Currency ?? current.Currency, request.Reference ?? current.Reference, request.Lines ?? lines));

    public static IEndpointRouteBuilder MapBillEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapTradeDocuments(Bills);
        return app;
    }
}
