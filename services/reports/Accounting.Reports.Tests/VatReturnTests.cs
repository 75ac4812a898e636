using static Accounting.Reports.Tests.TestLine;

namespace Accounting.Reports.Tests;

[Collection(nameof(ReportsHosts))]
public sealed class VatReturnTests(ReportsFactory factory) : IClassFixture<ReportsFactory>
{
    [Fact]
    public async Task Nine_boxes_of_a_hand_checked_quarter_with_20_5_and_0_percent_sales_and_purchases_and_a_void()
    {
        using var books = factory.NewOrganisation();
        await books.PublishAsync(
            // Last quarter: an invoice at 20 % (voided this quarter, below).
            books.Entry(new(2026, 3, 20), Dr(TestAccount.Debtors, 120m), Cr(TestAccount.Sales, 100m, "sales_net", 20), Cr(TestAccount.Vat, 20m, "output_vat", 20)),
            // Sales at 20 %, 5 % and 0 %.
            books.Entry(new(2026, 4, 2), Dr(TestAccount.Debtors, 1_200m), Cr(TestAccount.Sales, 1_000m, "sales_net", 20), Cr(TestAccount.Vat, 200m, "output_vat", 20)),
            books.Entry(new(2026, 4, 30), Dr(TestAccount.Debtors, 350m), Cr(TestAccount.Sales, 333.33m, "sales_net", 5), Cr(TestAccount.Vat, 16.67m, "output_vat", 5)),
            books.Entry(new(2026, 5, 15), Dr(TestAccount.Debtors, 250.75m), Cr(TestAccount.Sales, 250.75m, "sales_net", 0)),
            // Purchases at 20 %, 5 % and 0 %.
            books.Entry(new(2026, 4, 10), Dr(TestAccount.CostOfSales, 400.40m, "purchases_net", 20), Dr(TestAccount.Vat, 80.08m, "input_vat", 20), Cr(TestAccount.Creditors, 480.48m)),
            books.Entry(new(2026, 5, 20), Dr(TestAccount.Rent, 120m, "purchases_net", 5), Dr(TestAccount.Vat, 6m, "input_vat", 5), Cr(TestAccount.Creditors, 126m)),
            books.Entry(new(2026, 6, 30), Dr(TestAccount.Rent, 99.99m, "purchases_net", 0), Cr(TestAccount.Creditors, 99.99m)),
            // The void of March's invoice counts negatively in the quarter of the void.
            books.Entry(new(2026, 5, 5), Dr(TestAccount.Sales, 100m, "sales_net", 20), Dr(TestAccount.Vat, 20m, "output_vat", 20), Cr(TestAccount.Debtors, 120m)),
            // Payments are outside VAT; next quarter's sale is not this quarter's.
            books.Entry(new(2026, 6, 1), Dr(TestAccount.Bank, 1_200m), Cr(TestAccount.Debtors, 1_200m)),
            books.Entry(new(2026, 7, 1), Dr(TestAccount.Debtors, 60m), Cr(TestAccount.Sales, 50m, "sales_net", 20), Cr(TestAccount.Vat, 10m, "output_vat", 20)));
        await books.AppliedUpToAsync(10);

        var quarter = await books.GetAsync("/api/v1/reports/vat?from=2026-04-01&to=2026-06-30");
        var previous = await books.GetAsync("/api/v1/reports/vat?from=2026-01-01&to=2026-03-31");

        // 1: 200.00 + 16.67 − 20.00; 4: 80.08 + 6.00; 6: 1,000.00 + 333.33 + 250.75 − 100.00 = 1,484.08; 7: 400.40 + 120.00 + 99.99 = 620.39.
        quarter.Number("vat_due_sales").ShouldBe(196.67m);
        quarter.Number("vat_due_acquisitions").ShouldBe(0m);
        quarter.Number("total_vat_due").ShouldBe(196.67m);
        quarter.Number("vat_reclaimed_curr_period").ShouldBe(86.08m);
        quarter.Number("net_vat_due").ShouldBe(110.59m);
        quarter.Text("direction").ShouldBe("payable");
        quarter.Number("total_value_sales_ex_vat").ShouldBe(1_484m);
        quarter.Number("total_value_purchases_ex_vat").ShouldBe(620m);
        quarter.Number("total_value_goods_supplied_ex_vat").ShouldBe(0m);
        quarter.Number("total_acquisitions_ex_vat").ShouldBe(0m);
        quarter.GetProperty("total_value_sales_ex_vat").GetRawText().ShouldBe("1484");
        (previous.Number("vat_due_sales"), previous.Number("total_value_sales_ex_vat"), previous.Number("net_vat_due")).ShouldBe((20m, 100m, 20m));
    }

    [Fact]
    public async Task More_vat_reclaimed_than_due_is_a_repayment()
    {
        using var books = factory.NewOrganisation();
        await books.PublishAsync(
            books.Entry(new(2026, 4, 2), Dr(TestAccount.Debtors, 120m), Cr(TestAccount.Sales, 100m, "sales_net", 20), Cr(TestAccount.Vat, 20m, "output_vat", 20)),
            books.Entry(new(2026, 4, 3), Dr(TestAccount.CostOfSales, 999.99m, "purchases_net", 20), Dr(TestAccount.Vat, 200m, "input_vat", 20), Cr(TestAccount.Creditors, 1_199.99m)));
        await books.AppliedUpToAsync(2);

        var report = await books.GetAsync("/api/v1/reports/vat?from=2026-04-01&to=2026-06-30");

        (report.Number("net_vat_due"), report.Text("direction")).ShouldBe((180m, "repayable"));
        report.Number("total_value_purchases_ex_vat").ShouldBe(999m);
    }
}
