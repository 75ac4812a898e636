using Accounting.Ledger.Banking.Imports;
using Accounting.Ledger.Banking.Imports.Parsing;

namespace Accounting.Ledger.Tests.Banking.Imports;

public sealed class DuplicateDetectorTests
{
    private static readonly DateOnly Day = new(2026, 1, 5);

    private static StatementRow Row(int row, string description = "PRET A MANGER", decimal amount = -4.50m, string? fitid = null) =>
        new(row, Day, description, amount, null, fitid, null);

    private static ExistingTransaction Existing(string description = "PRET A MANGER", decimal amount = -4.50m, string? fitid = null) =>
        new(Day, amount, description, fitid);

    [Fact]
    public void Two_identical_rows_of_which_one_already_exists_make_one_duplicate() =>
        DuplicateDetector.Find([Row(1), Row(2)], [Existing()]).ShouldBe([1]);

    [Fact]
    public void Each_existing_transaction_accounts_for_one_row()
    {
        DuplicateDetector.Find([Row(1), Row(2), Row(3)], [Existing(), Existing()]).ShouldBe([1, 2]);
        DuplicateDetector.Find([Row(1)], [Existing(), Existing()]).ShouldBe([1]);
    }

    [Fact]
    public void A_different_date_amount_or_description_is_not_a_duplicate() =>
        DuplicateDetector.Find([Row(1, amount: -4.51m), Row(2, "PRET"), Row(3) with { Date = Day.AddDays(1) }], [Existing()]).ShouldBeEmpty();

    [Fact]
    public void Ofx_rows_match_by_fitid_whatever_their_text()
    {
        DuplicateDetector.Find([Row(1, "Pret A Manger London", fitid: "F1"), Row(2, fitid: "F2")], [Existing("PRET", fitid: "F1")]).ShouldBe([1]);
    }

    [Fact]
    public void An_ofx_row_matches_by_content_only_a_transaction_without_a_fitid()
    {
        DuplicateDetector.Find([Row(1, fitid: "F9")], [Existing(fitid: "F1")]).ShouldBeEmpty();
        DuplicateDetector.Find([Row(1, fitid: "F9")], [Existing()]).ShouldBe([1]);
    }

    [Fact]
    public void Rows_with_errors_are_never_duplicates() =>
        DuplicateDetector.Find([Row(1) with { Error = new RowError("reference", "too long") }], [Existing()]).ShouldBeEmpty();
}
