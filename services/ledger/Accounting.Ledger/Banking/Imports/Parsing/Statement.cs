namespace Accounting.Ledger.Banking.Imports.Parsing;

public enum StatementFormat
{
    Csv,
    Ofx,
}

/// <summary>Why one row cannot be imported: the field at fault and the reason, in words a user can act on.</summary>
public sealed record RowError(string Field, string Message);

/// <summary>
/// One statement row as read from the file. <see cref="Row"/> is its 1-based place among the
/// statement's rows (a CSV header not counted); <see cref="ExternalId"/> is the OFX <c>FITID</c>.
/// A row with an <see cref="Error"/> keeps whatever could be read, for the preview.
/// </summary>
public sealed record StatementRow(int Row, DateOnly? Date, string? Description, decimal? Amount, string? Reference, string? ExternalId, RowError? Error)
{
    public bool IsValid => Error is null;
}

/// <summary>What the parser needs to know besides the bytes: the user's overrides and the bank account's currency.</summary>
public sealed record StatementOptions(string Currency, StatementDateFormat? DateFormat = null, CsvColumnMap? Columns = null)
{
    public const int MaxRows = 50_000;
}

/// <summary>A statement read whole, or the reasons the file as a whole is refused (not a statement, too many rows, truncated).</summary>
public sealed record ParsedStatement(StatementFormat Format, IReadOnlyList<StatementRow> Rows, IReadOnlyList<RowError> Problems)
{
    public bool IsRejected => Problems.Count > 0;

    public static ParsedStatement Rejected(StatementFormat format, params RowError[] problems) => new(format, [], problems);
}

/// <summary>Thrown inside a parser when the file as a whole is refused; <see cref="StatementReader"/> turns it into a rejection.</summary>
internal sealed class StatementRejectedException(params RowError[] problems) : Exception(problems[0].Message)
{
    public IReadOnlyList<RowError> Problems { get; } = problems;
}

/// <summary>What a bank transaction needs beyond readable fields (the limits of §5.1's create), checked once a row is read.</summary>
internal static class RowRules
{
    public const int MaxDescription = 500;
    public const int MaxReference = 255;

    public static RowError? Check(decimal? amount, string amountField, string? description, string? reference)
    {
        if (amount == 0)
        {
            return new RowError(amountField, "The amount is zero; a bank transaction moves money.");
        }

        if (description is null)
        {
            return new RowError("description", "The description is missing.");
        }

        if (description.Length > MaxDescription)
        {
            return new RowError("description", $"The description is longer than {MaxDescription} characters.");
        }

        return reference is { Length: > MaxReference } ? new RowError("reference", $"The reference is longer than {MaxReference} characters.") : null;
    }
}
