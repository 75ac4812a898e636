using Accounting.ServiceDefaults;

namespace Accounting.Reports.Reports;

/// <summary>Debits and credits of a period's lines with one VAT role.</summary>
public sealed record VatRoleTotals(string VatRole, decimal Debit, decimal Credit);

/// <summary>
/// HMRC's nine boxes (standard accrual scheme) from the VAT-tagged lines dated in the period.
/// The ledger tags no acquisitions or EU supplies, so boxes 2, 8 and 9 are zero; a void's
/// reversal carries the same roles on the other side, so it counts negatively in its own period.
/// </summary>
public static class VatReturn
{
    public const string OutputVat = "output_vat";
    public const string InputVat = "input_vat";
    public const string SalesNet = "sales_net";
    public const string PurchasesNet = "purchases_net";

    public static async Task<VatReturnReport> BuildAsync(ReportBook book, DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(book);
        var totals = await book.QueryAsync<VatRoleTotals>(
            """
            SELECT vat_role, sum(debit) AS debit, sum(credit) AS credit
            FROM journal_lines
            WHERE organisation_id = @OrganisationId AND currency = @Currency AND date BETWEEN @from AND @to AND vat_role IS NOT NULL
            GROUP BY vat_role
            """,
            new { book.OrganisationId, book.Currency, from, to }, cancellationToken);
        return Boxes(book.Header, from, to, [.. totals]);
    }

    public static VatReturnReport Boxes(ReportHeader header, DateOnly from, DateOnly to, IReadOnlyList<VatRoleTotals> totals)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(totals);
        decimal Credited(string role) => totals.Where(t => t.VatRole == role).Sum(t => t.Credit - t.Debit);
        static decimal Pounds(decimal amount) => Currencies.InMinorUnits(amount, 2);
        // Boxes 6–9 are whole pounds with the pence dropped (truncated, as HMRC asks).
        static decimal WholePounds(decimal amount) => decimal.Truncate(amount);

        var vatDueSales = Pounds(Credited(OutputVat));
        var vatDueAcquisitions = Pounds(0);
        var totalVatDue = vatDueSales + vatDueAcquisitions;
        var reclaimed = Pounds(-Credited(InputVat));
        return new VatReturnReport(header)
        {
            From = from,
            To = to,
            VatDueSales = vatDueSales,
            VatDueAcquisitions = vatDueAcquisitions,
            TotalVatDue = totalVatDue,
            VatReclaimedCurrPeriod = reclaimed,
            NetVatDue = Math.Abs(totalVatDue - reclaimed),
            Direction = totalVatDue >= reclaimed ? "payable" : "repayable",
            TotalValueSalesExVat = WholePounds(Credited(SalesNet)),
            TotalValuePurchasesExVat = WholePounds(-Credited(PurchasesNet)),
            TotalValueGoodsSuppliedExVat = 0,
            TotalAcquisitionsExVat = 0,
        };
    }
}
