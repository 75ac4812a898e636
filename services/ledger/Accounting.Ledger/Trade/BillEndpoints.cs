using Accounting.Postgres;
using Accounting.ServiceDefaults.Http;
using Accounting.ServiceDefaults.Identity;
using Accounting.ServiceDefaults.Validation;
using FluentValidation;
using Npgsql;

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
    private static readonly TradeKind Kind = TradeKind.Bill;

    public static IEndpointRouteBuilder MapBillEndpoints(this IEndpointRouteBuilder app)
    {
        var bills = app.MapGroup(Kind.Path);
        bills.MapGet("/", (HttpRequest request, Caller caller, PageRequest page, NpgsqlDataSource db, CancellationToken cancellationToken) =>
            TradeEndpoints.List(Kind, request, caller, page, db, cancellationToken)).RequireScope("bills:read");
        bills.MapPost("/", (CreateBillRequest request, Caller caller, WriteTransactions transactions, TimeProvider clock, CancellationToken cancellationToken) =>
            TradeEndpoints.Create(Kind, request, request.BillNumber, caller, transactions, clock, cancellationToken)).RequireScope("bills:write").Validate<CreateBillRequest>();
        bills.MapGet("/{id}", (string id, Caller caller, NpgsqlDataSource db, CancellationToken cancellationToken) =>
            TradeEndpoints.Get(Kind, id, caller, db, cancellationToken)).RequireScope("bills:read");
        bills.MapPatch("/{id}", (string id, UpdateBillRequest request, Caller caller, IValidator<CreateBillRequest> validator, WriteTransactions transactions, TimeProvider clock, CancellationToken cancellationToken) =>
            TradeEndpoints.UpdateDraft(
                Kind, id,
                (current, lines) => new CreateBillRequest(
                    request.ContactId ?? current.ContactId, request.BillNumber ?? current.Number, request.IssueDate ?? current.IssueDate, request.DueDate ?? current.DueDate,
                    request.Currency ?? current.Currency, request.Reference ?? current.Reference, request.Lines ?? lines),
                merged => merged.BillNumber, caller, validator, transactions, clock, cancellationToken)).RequireScope("bills:write");
        bills.MapPost("/{id}/approve", (string id, Caller caller, WriteTransactions transactions, TimeProvider clock, CancellationToken cancellationToken) =>
            TradeEndpoints.Act(Kind, transactions, transaction => TradeDocuments.PostAsync(Kind, id, caller, transaction, clock, cancellationToken), cancellationToken))
            .RequireScope("bills:write");
        bills.MapPost("/{id}/payments", (string id, PaymentRequest request, Caller caller, WriteTransactions transactions, TimeProvider clock, CancellationToken cancellationToken) =>
            TradeEndpoints.Act(Kind, transactions, transaction => TradeDocuments.PayAsync(Kind, id, request, caller, transaction, clock, cancellationToken), cancellationToken))
            .RequireScope("bills:write").Validate<PaymentRequest>();
        return app;
    }
}
