using Accounting.Ledger.Banking.Imports.Parsing;

namespace Accounting.Ledger.Banking.Imports;

public sealed record BankImportRowView(int Row, DateOnly? Date, string? Description, decimal? Amount, string? Reference, bool Duplicate, RowError? Error);

/// <summary><c>valid</c> counts rows without an error, duplicates included (§5.2).</summary>
public sealed record BankImportSummary(int Total, int Valid, int Duplicates, int Errors);

/// <summary>
/// A statement import (§5.2). <c>status</c> is <c>preview</c>, <c>confirmed</c> or <c>expired</c> (a
/// preview past <c>expires_at</c>, which can no longer be confirmed); the confirmation's counts are
/// null until it is confirmed.
/// </summary>
public sealed record BankImportView(
    string Id, string Status, string BankAccountId, string Format, IReadOnlyList<BankImportRowView> Rows, BankImportSummary Summary,
    DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? ConfirmedAt, int? Created, int? SkippedDuplicates, int? SkippedErrors);

public sealed record BankImportConfirmationView(string Id, string Status, int Created, int SkippedDuplicates, int SkippedErrors);
