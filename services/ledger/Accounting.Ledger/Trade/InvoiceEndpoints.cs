using Accounting.Postgres;
using Accounting.ServiceDefaults.Http;
using Accounting.ServiceDefaults.Identity;
using Accounting.ServiceDefaults.Validation;
using FluentValidation;
using Npgsql;

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
    private static readonly TradeKind Kind = TradeKind.Invoice;

    public static IEndpointRouteBuilder MapInvoiceEndpoints(this IEndpointRouteBuilder app)
    {
        var invoices = app.MapGroup(Kind.Path);
        invoices.MapGet("/", (HttpRequest request, Caller caller, PageRequest page, NpgsqlDataSource db, CancellationToken cancellationToken) =>
            TradeEndpoints.List(Kind, request, caller, page, db, cancellationToken)).RequireScope("invoices:read");
        invoices.MapPost("/", (CreateInvoiceRequest request, Caller caller, WriteTransactions transactions, TimeProvider clock, CancellationToken cancellationToken) =>
            TradeEndpoints.Create(Kind, request, null, caller, transactions, clock, cancellationToken)).RequireScope("invoices:write").Validate<CreateInvoiceRequest>();
        invoices.MapGet("/{id}", (string id, Caller caller, NpgsqlDataSource db, CancellationToken cancellationToken) =>
            TradeEndpoints.Get(Kind, id, caller, db, cancellationToken)).RequireScope("invoices:read");
        invoices.MapPatch("/{id}", (string id, UpdateInvoiceRequest request, Caller caller, IValidator<CreateInvoiceRequest> validator, WriteTransactions transactions, TimeProvider clock, CancellationToken cancellationToken) =>
            TradeEndpoints.UpdateDraft(
                Kind, id,
                (current, lines) => new CreateInvoiceRequest(
                    request.ContactId ?? current.ContactId, request.IssueDate ?? current.IssueDate, request.DueDate ?? current.DueDate,
                    request.Currency ?? current.Currency, request.Reference ?? current.Reference, request.Lines ?? lines),
                _ => null, caller, validator, transactions, clock, cancellationToken)).RequireScope("invoices:write");
        invoices.MapPost("/{id}/send", (string id, Caller caller, WriteTransactions transactions, TimeProvider clock, CancellationToken cancellationToken) =>
            TradeEndpoints.Act(Kind, transactions, transaction => TradeDocuments.PostAsync(Kind, id, caller, transaction, clock, cancellationToken), cancellationToken))
            .RequireScope("invoices:write");
        invoices.MapPost("/{id}/payments", (string id, PaymentRequest request, Caller caller, WriteTransactions transactions, TimeProvider clock, CancellationToken cancellationToken) =>
            TradeEndpoints.Act(Kind, transactions, transaction => TradeDocuments.PayAsync(Kind, id, request, caller, transaction, clock, cancellationToken), cancellationToken))
            .RequireScope("invoices:write").Validate<PaymentRequest>();
        invoices.MapPost("/{id}/void", (string id, Caller caller, WriteTransactions transactions, TimeProvider clock, CancellationToken cancellationToken) =>
            TradeEndpoints.Act(Kind, transactions, transaction => TradeDocuments.VoidInvoiceAsync(id, caller, transaction, clock, cancellationToken), cancellationToken))
            .RequireScope("invoices:write");
        return app;
    }
}
