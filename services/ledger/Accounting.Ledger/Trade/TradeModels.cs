using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Accounting.Ledger.Endpoints;
using Accounting.Ledger.Posting;
using FluentValidation;

namespace Accounting.Ledger.Trade;

/// <param name="AccountId">Optional: sales for an invoice, purchases for a bill.</param>
public sealed record TradeLineRequest(string? Description, decimal? Quantity, decimal? UnitPrice, decimal? VatRate, string? AccountId = null);

/// <summary>What invoices and bills have in common; their validation and engine are shared.</summary>
public interface ITradeDocumentRequest
{
    string? ContactId { get; }

    DateOnly? IssueDate { get; }

    DateOnly? DueDate { get; }

    string? Currency { get; }

    string? Reference { get; }

    IReadOnlyList<TradeLineRequest>? Lines { get; }
}

/// <param name="BankAccountId">Optional: the organisation's default bank account.</param>
public sealed record PaymentRequest(decimal? Amount, DateOnly? Date, string? BankAccountId = null);

public sealed record TradeLineView(
    int LineNumber, string Description, decimal Quantity, decimal UnitPrice, decimal VatRate, string AccountId, decimal LineTotal, decimal VatAmount);

public sealed record PaymentView(string Id, decimal Amount, DateOnly Date, string BankAccountId, string JournalEntryId, DateTimeOffset CreatedAt);

/// <summary>The fields invoices and bills share; <see cref="InvoiceView"/> and <see cref="BillView"/> add their number.</summary>
public record TradeDocumentView
{
    public required string Id { get; init; }

    public required string ContactId { get; init; }

    public required DateOnly IssueDate { get; init; }

    public required DateOnly DueDate { get; init; }

    public required string Currency { get; init; }

    public string? Reference { get; init; }

    public required string Status { get; init; }

    public required IReadOnlyList<TradeLineView> Lines { get; init; }

    public required decimal Subtotal { get; init; }

    public required decimal VatTotal { get; init; }

    public required decimal Total { get; init; }

    public required decimal AmountPaid { get; init; }

    public required decimal AmountDue { get; init; }

    /// <summary>The entry that posted the document (on send or approval); null while a draft.</summary>
    public string? JournalEntryId { get; init; }

    public required IReadOnlyList<PaymentView> Payments { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }
}

public sealed record InvoiceView : TradeDocumentView
{
    [SetsRequiredMembers]
    public InvoiceView(TradeDocumentView document, string invoiceNumber)
        : base(document) => InvoiceNumber = invoiceNumber;

    public string InvoiceNumber { get; init; }
}

public sealed record BillView : TradeDocumentView
{
    [SetsRequiredMembers]
    public BillView(TradeDocumentView document, string? billNumber)
        : base(document) => BillNumber = billNumber;

    /// <summary>The supplier's own reference for the bill.</summary>
    public string? BillNumber { get; init; }
}

/// <summary>Rules every invoice and bill meets, whether created whole or the result of a PATCH.</summary>
public abstract class TradeDocumentValidator<T> : AbstractValidator<T>
    where T : ITradeDocumentRequest
{
    protected TradeDocumentValidator()
    {
        RuleLevelCascadeMode = CascadeMode.Stop;
        RuleFor(r => r.ContactId).NotEmpty().MaximumLength(64);
        RuleFor(r => r.IssueDate).PlausibleDate();
        RuleFor(r => r.DueDate).PlausibleDate()
            .GreaterThanOrEqualTo(r => r.IssueDate).When(r => r.IssueDate.HasValue).WithMessage("due_date cannot be before issue_date.");
        RuleFor(r => r.Currency).Currency();
        RuleFor(r => r.Reference).MaximumLength(100);
        RuleFor(r => r.Lines).NotEmpty().WithMessage("lines must have at least one line.")
            .Must(lines => lines!.Count <= LedgerRules.MaxLines).WithMessage($"A document has at most {LedgerRules.MaxLines} lines.")
            .DependentRules(() =>
            {
                RuleForEach(r => r.Lines).Cascade(CascadeMode.Continue).SetValidator((request, _) => LineValidator(request.Currency));
                RuleFor(r => r.Lines)
                    .Must(lines => lines!.Sum(TradeMath.LineGross) < Money.Limit)
                    .WithMessage("The document's total must be less than 10,000,000,000,000.")
                    .When(r => r.Lines!.All(l => l.Quantity is > 0 and < TradeMath.MaxQuantity && l.UnitPrice is >= 0 and < Money.Limit && l.VatRate is >= 0 and <= 100));
            });
    }

    // One per currency, because the allowed decimals depend on it; built once, as building compiles expressions.
    private static readonly ConcurrentDictionary<string, InlineValidator<TradeLineRequest>> LineValidators = new(StringComparer.Ordinal);

    private static InlineValidator<TradeLineRequest> LineValidator(string? currency) =>
        LineValidators.GetOrAdd(Money.IsKnownCurrency(currency) ? currency! : "", BuildLineValidator);

    private static InlineValidator<TradeLineRequest> BuildLineValidator(string currency)
    {
        var line = new InlineValidator<TradeLineRequest> { RuleLevelCascadeMode = CascadeMode.Stop };
        line.RuleFor(l => l.Description).NotEmpty().MaximumLength(500);
        line.RuleFor(l => l.Quantity).NotNull().GreaterThan(0).LessThan(TradeMath.MaxQuantity)
            .Must(q => q is not { } value || decimal.Round(value, 4) == value).WithMessage("quantity has at most 4 decimals.");
        line.RuleFor(l => l.UnitPrice).NotNull().GreaterThanOrEqualTo(0).LessThan(Money.Limit)
            .Must(price => price is not { } value || Money.FitsCurrency(value, currency))
            .WithMessage($"unit_price has more decimals than {currency} allows.");
        line.RuleFor(l => l.VatRate).NotNull().InclusiveBetween(0, 100)
            .Must(rate => rate is not { } value || decimal.Round(value, 2) == value).WithMessage("vat_rate is a percentage with at most 2 decimals, e.g. 20 or 17.5.");
        line.RuleFor(l => l.AccountId).MaximumLength(64);
        return line;
    }
}

/// <summary>Server-side totals of contract §5: per line, rounded half-up to the currency's minor unit.</summary>
public static class TradeMath
{
    public const decimal MaxQuantity = 1_000_000_000m;

    public static decimal LineTotal(decimal quantity, decimal unitPrice, string currency) => Money.Round(quantity * unitPrice, currency);

    public static decimal VatAmount(decimal lineTotal, decimal vatRate, string currency) => Money.Round(lineTotal * vatRate / 100m, currency);

    internal static decimal LineGross(TradeLineRequest line)
    {
        var net = (line.Quantity ?? 0) * (line.UnitPrice ?? 0);
        return net + (net * (line.VatRate ?? 0) / 100m);
    }
}
