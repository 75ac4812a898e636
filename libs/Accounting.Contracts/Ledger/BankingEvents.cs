namespace Accounting.Contracts.Ledger;

/// <summary>A category as events name it: its id and its name at the time.</summary>
public sealed record CategoryReference(string Id, string Name);

/// <summary>A bank transaction was recorded (through the API, a statement import or a payment).</summary>
[EventContract("transaction.created", 1)]
public sealed record TransactionCreated : IntegrationEvent
{
    public required string Id { get; init; }

    public required string BankAccountId { get; init; }

    public required DateOnly Date { get; init; }

    public required string Description { get; init; }

    /// <summary>Signed: negative is money out.</summary>
    public required decimal Amount { get; init; }

    public required string Currency { get; init; }

    public string? Reference { get; init; }

    /// <summary>The statement import it came from; null when created through the API or by a payment.</summary>
    public string? ImportId { get; init; }

    /// <summary>The invoice or bill payment this bank line records; null otherwise.</summary>
    public string? PaymentId { get; init; }

    /// <summary>The categoriser's best guess (null when it has none) and its confidence (0–1).</summary>
    public CategoryReference? SuggestedCategory { get; init; }

    public decimal? Confidence { get; init; }
}

/// <summary>
/// A bank transaction's category changed: set by a user or the categoriser, changed, or cleared
/// (<see cref="Category"/> null). Each change posts (or reverses) its journal entry in the same transaction.
/// </summary>
[EventContract("transaction.categorised", 1)]
public sealed record TransactionCategorised : IntegrationEvent
{
    public required string Id { get; init; }

    public required string BankAccountId { get; init; }

    public required DateOnly Date { get; init; }

    public required decimal Amount { get; init; }

    public required string Currency { get; init; }

    /// <summary>Null when the category was cleared.</summary>
    public CategoryReference? Category { get; init; }

    public CategoryReference? PreviousCategory { get; init; }

    /// <summary><c>user</c> or <c>auto</c>; null when cleared.</summary>
    public string? CategorisedBy { get; init; }

    public decimal? Confidence { get; init; }

    /// <summary>The entry that books the category; null when cleared.</summary>
    public string? JournalEntryId { get; init; }

    /// <summary>The reversal of the previous category's entry, when there was one.</summary>
    public string? ReversalJournalEntryId { get; init; }
}
