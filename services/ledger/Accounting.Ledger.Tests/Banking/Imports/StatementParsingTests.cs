using System.Text;
using Accounting.Ledger.Banking.Imports.Parsing;

namespace Accounting.Ledger.Tests.Banking.Imports;

public sealed class StatementParsingTests
{
    private static (DateOnly? Date, string? Description, decimal? Amount, string? Reference) Fields(StatementRow row) =>
        (row.Date, row.Description, row.Amount, row.Reference);

    private static DateOnly Day(int year, int month, int day) => new(year, month, day);

    [Fact]
    public async Task A_csv_with_one_signed_amount_column_reads_every_row_with_day_first_dates()
    {
        var statement = await StatementFiles.ParseAsync("barclays-signed-amount.csv");

        statement.IsRejected.ShouldBeFalse();
        statement.Format.ShouldBe(StatementFormat.Csv);
        statement.Rows.Select(r => r.Row).ShouldBe([1, 2, 3, 4, 5]);
        statement.Rows.ShouldAllBe(r => r.IsValid);
        Fields(statement.Rows[0]).ShouldBe((Day(2026, 1, 2), "AMAZON WEB SERVICES AWS.AMAZON.CO", -45.99m, null));
        Fields(statement.Rows[2]).ShouldBe((Day(2026, 1, 5), "NORTHWIND TRADERS INV-0042", 1250.00m, null));
        statement.Rows[3].Amount.ShouldBe(-1200.00m);
    }

    [Fact]
    public async Task A_windows_1252_export_with_a_preamble_and_paid_out_paid_in_columns_reads_pounds_and_accents()
    {
        var statement = await StatementFiles.ParseAsync("nationwide-windows-1252.csv");

        statement.IsRejected.ShouldBeFalse(string.Join("; ", statement.Problems));
        statement.Rows.Count.ShouldBe(4);
        Fields(statement.Rows[0]).ShouldBe((Day(2026, 1, 3), "BRITISH GAS", -64.00m, null));
        Fields(statement.Rows[2]).ShouldBe((Day(2026, 1, 5), "CONTOSO LTD", 1500.00m, null));
        statement.Rows[3].Description.ShouldBe("CAFÉ NERO 118");
        statement.Rows[3].Amount.ShouldBe(-4.35m);
    }

    [Fact]
    public async Task A_utf8_file_with_a_byte_order_mark_and_debit_credit_columns_reads_thousands_and_references()
    {
        StatementFiles.Bytes("hsbc-debit-credit-bom.csv").Take(3).ShouldBe(new byte[] { 0xEF, 0xBB, 0xBF });

        var statement = await StatementFiles.ParseAsync("hsbc-debit-credit-bom.csv");

        statement.Rows.ShouldAllBe(r => r.IsValid);
        Fields(statement.Rows[0]).ShouldBe((Day(2026, 1, 2), "HMRC VAT", -2450.00m, "VAT 123456789"));
        Fields(statement.Rows[2]).ShouldBe((Day(2026, 1, 6), "FABRIKAM INC", 3600.00m, "INV-0107"));
    }

    [Fact]
    public async Task The_same_statement_without_a_byte_order_mark_reads_the_same()
    {
        var withBom = StatementFiles.Bytes("hsbc-debit-credit-bom.csv");
        await using var withoutBom = new MemoryStream(withBom[3..]);

        var statement = await StatementReader.ReadAsync(withoutBom, new StatementOptions("GBP"), CancellationToken.None);

        statement.Rows.ShouldBe((await StatementFiles.ParseAsync("hsbc-debit-credit-bom.csv")).Rows);
    }

    [Fact]
    public async Task Money_out_and_money_in_columns_with_pound_signs_give_signed_amounts()
    {
        var statement = await StatementFiles.ParseAsync("santander-money-out-in.csv");

        statement.Rows.Select(r => r.Amount).ShouldBe([-52.10m, 480.00m, -95.00m]);
        statement.Rows[1].Description.ShouldBe("FASTER PAYMENTS RECEIPT REF INV-0055 FROM ADVENTURE WORKS");
    }

    [Fact]
    public async Task A_windows_1252_pound_sign_far_into_the_file_is_still_read_as_a_pound()
    {
        var text = new StringBuilder("Date,Description,Amount\r\n");
        for (var i = 0; i < 2_000; i++)
        {
            text.Append("2026-01-01,Card payment,-1.00\r\n");
        }

        text.Append("2026-01-02,Refund £5 voucher,£5.00\r\n");
        await using var file = new MemoryStream(Encoding.Latin1.GetBytes(text.ToString()));

        var statement = await StatementReader.ReadAsync(file, new StatementOptions("GBP"), CancellationToken.None);

        statement.Rows.Count.ShouldBe(2_001);
        statement.Rows[^1].Description.ShouldBe("Refund £5 voucher");
        statement.Rows[^1].Amount.ShouldBe(5.00m);
    }

    [Theory]
    [InlineData("(12.50)", -12.50)]
    [InlineData("£1,234.56", 1234.56)]
    [InlineData("-£1,234.56", -1234.56)]
    [InlineData("£-7.00", -7.00)]
    [InlineData("(£1,000.00)", -1000.00)]
    [InlineData("12,345,678.90", 12345678.90)]
    [InlineData(" 3 ", 3)]
    [InlineData("10.00 GBP", 10.00)]
    public void Amounts_read_as_uk_banks_print_them(string text, double expected) =>
        StatementAmount.Read(text, "GBP", out _).ShouldBe((decimal)expected);

    [Theory]
    [InlineData("12.345", "more decimals than GBP")]
    [InlineData("twelve", "is not an amount")]
    [InlineData("(-5.00)", "is not an amount")]
    [InlineData("", "missing")]
    public void Unreadable_amounts_say_why(string text, string reason)
    {
        StatementAmount.Read(text, "GBP", out var why).ShouldBeNull();
        why.ShouldNotBeNull().ShouldContain(reason);
    }

    [Theory]
    [InlineData("2026-03-05")]
    [InlineData("05/03/2026")]
    [InlineData("5/3/2026")]
    [InlineData("05 Mar 2026")]
    [InlineData("5 March 2026")]
    public async Task Each_detectable_date_format_is_read_day_first(string date)
    {
        var statement = await StatementFiles.ParseTextAsync($"Date,Description,Amount\n{date},Stationery,-4.99\n");

        statement.Rows.Single().Date.ShouldBe(Day(2026, 3, 5));
    }

    [Fact]
    public async Task The_first_date_fixes_the_format_for_the_whole_file()
    {
        var statement = await StatementFiles.ParseTextAsync("Date,Description,Amount\n05/03/2026,One,-1\n2026-03-06,Two,-2\n07/03/2026,Three,-3\n");

        statement.Rows[0].IsValid.ShouldBeTrue();
        statement.Rows[1].Error.ShouldBe(new RowError("date", "'2026-03-06' is not a date in the file's format DD/MM/YYYY (between 1900 and 2200)."));
        statement.Rows[2].Date.ShouldBe(Day(2026, 3, 7));
    }

    [Fact]
    public async Task Month_first_dates_are_read_only_when_date_format_says_so()
    {
        var detected = await StatementFiles.ParseAsync("amex-us-dates.csv");
        var overridden = await StatementFiles.ParseAsync("amex-us-dates.csv", new StatementOptions("GBP", StatementDateFormat.Named("mm/dd/yyyy")));

        detected.Rows[0].Error!.Field.ShouldBe("date");
        detected.Rows[1].Date.ShouldBe(Day(2026, 1, 2));
        overridden.Rows.Select(r => r.Date).ShouldBe([Day(2026, 1, 13), Day(2026, 2, 1)]);
    }

    [Fact]
    public async Task A_date_format_override_refuses_dates_in_another_format()
    {
        var statement = await StatementFiles.ParseAsync("barclays-signed-amount.csv", new StatementOptions("GBP", StatementDateFormat.IsoDate));

        statement.Rows.ShouldAllBe(r => r.Error != null && r.Error.Field == "date");
    }

    [Fact]
    public async Task A_columns_override_maps_header_names_detection_does_not_know()
    {
        var detected = await StatementFiles.ParseAsync("starling-columns-override.csv");
        var map = CsvColumnMap.Parse("""{"date": "Date", "description": "Counter Party", "amount": "Amount (GBP)", "reference": "Reference"}""", out var problems);

        var statement = await StatementFiles.ParseAsync("starling-columns-override.csv", new StatementOptions("GBP", null, map));

        detected.Problems.Single().Field.ShouldBe("file");
        problems.ShouldBeEmpty();
        Fields(statement.Rows[0]).ShouldBe((Day(2026, 3, 1), "Microsoft", -9.99m, "MSFT E0400"));
        Fields(statement.Rows[2]).ShouldBe((Day(2026, 3, 3), "Screwfix", -34.98m, "SCREWFIX DIRECT"));
    }

    [Fact]
    public async Task A_columns_override_naming_a_column_the_file_lacks_is_refused_naming_the_key()
    {
        var map = CsvColumnMap.Parse("""{"date": "Date", "description": "Payee name", "money_out": "Out", "money_in": "In"}""", out _);

        var statement = await StatementFiles.ParseAsync("starling-columns-override.csv", new StatementOptions("GBP", null, map));

        statement.Problems.Select(p => p.Field).ShouldBe(["columns.description", "columns.money_out", "columns.money_in"]);
    }

    [Theory]
    [InlineData("[1]", "columns")]
    [InlineData("{not json", "columns")]
    [InlineData("""{"date": "Date", "amount": "Amount"}""", "columns.description")]
    [InlineData("""{"date": "Date", "description": "D", "amount": "A", "money_in": "In"}""", "columns.amount")]
    [InlineData("""{"date": "Date", "description": "D", "money_out": "Out"}""", "columns.money_in")]
    [InlineData("""{"date": "Date", "description": "D", "amount": "A", "balance": "B"}""", "columns.balance")]
    public void A_malformed_columns_override_names_what_is_wrong(string json, string field)
    {
        CsvColumnMap.Parse(json, out var problems).ShouldBeNull();
        problems.Select(p => p.Field).ShouldContain(field);
    }

    [Fact]
    public async Task Rows_that_cannot_be_read_carry_their_field_and_reason_and_the_rest_still_read()
    {
        var statement = await StatementFiles.ParseAsync("rows-with-errors.csv");

        statement.IsRejected.ShouldBeFalse();
        statement.Rows.Select(r => r.Error?.Field).ShouldBe([null, "date", "amount", "description", "amount", null]);
        statement.Rows[2].Error!.Message.ShouldBe("'twelve' is not an amount.");
        statement.Rows[4].Error!.Message.ShouldContain("more decimals than GBP");
        statement.Rows[5].Amount.ShouldBe(-7.50m);
    }

    [Fact]
    public async Task A_zero_amount_is_a_row_error()
    {
        var statement = await StatementFiles.ParseTextAsync("Date,Description,Amount\n2026-01-01,Balance brought forward,0.00\n");

        statement.Rows.Single().Error!.Field.ShouldBe("amount");
    }

    [Theory]
    [InlineData("statement.pdf")]
    [InlineData("truncated-ofx1.ofx")]
    public async Task A_file_that_is_not_a_whole_statement_is_refused_naming_file(string name)
    {
        var statement = await StatementFiles.ParseAsync(name);

        statement.IsRejected.ShouldBeTrue();
        statement.Problems.Single().Field.ShouldBe("file");
        statement.Rows.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("")]
    [InlineData("Name,Age\nAlice,30\n")]
    [InlineData("Date,Description,Amount\n")]
    public async Task Text_without_statement_rows_is_refused_naming_file(string text)
    {
        var statement = await StatementFiles.ParseTextAsync(text);

        statement.Problems.Single().Field.ShouldBe("file");
    }

    [Fact]
    public async Task Fifty_thousand_rows_are_read_and_one_more_is_refused_naming_file()
    {
        static MemoryStream Statement(int rows)
        {
            var text = new StringBuilder("Date,Description,Amount\n");
            for (var i = 0; i < rows; i++)
            {
                text.Append("2026-01-01,Card payment,-1.00\n");
            }

            return new MemoryStream(Encoding.UTF8.GetBytes(text.ToString()));
        }

        var full = await StatementReader.ReadAsync(Statement(50_000), new StatementOptions("GBP"), CancellationToken.None);
        var over = await StatementReader.ReadAsync(Statement(50_001), new StatementOptions("GBP"), CancellationToken.None);

        full.Rows.Count.ShouldBe(50_000);
        over.Problems.Single().ShouldBe(new RowError("file", "The statement has more than 50,000 rows; split it into smaller files."));
    }

    [Fact]
    public async Task Ofx_1_sgml_with_unclosed_elements_reads_name_memo_references_and_fitids()
    {
        var statement = await StatementFiles.ParseAsync("first-direct-ofx1.ofx");

        statement.Format.ShouldBe(StatementFormat.Ofx);
        statement.Rows.ShouldAllBe(r => r.IsValid);
        statement.Rows.Select(r => (r.Date, r.Description, r.Amount, r.Reference, r.ExternalId)).ShouldBe(
        [
            (Day(2026, 2, 2), "ADOBE SYSTEMS — CREATIVE CLOUD", -29.99m, null, "202602020001"),
            (Day(2026, 2, 3), "TAILSPIN TOYS & CO", 850.00m, "INV-0077", "202602030002"),
            (Day(2026, 2, 5), "CHEQUE 000123", -120.00m, "000123", "202602050003"),
        ]);
    }

    [Fact]
    public async Task Ofx_2_xml_reads_the_same_fields()
    {
        var statement = await StatementFiles.ParseAsync("lloyds-ofx2.ofx");

        statement.Format.ShouldBe(StatementFormat.Ofx);
        statement.Rows.Select(r => (r.Date, r.Description, r.Amount, r.Reference, r.ExternalId)).ShouldBe(
        [
            (Day(2026, 3, 2), "THAMES WATER — DD REF 9912", -54.00m, null, "4C1E0A2B-0001"),
            (Day(2026, 3, 4), "LITWARE PLC", 1200.50m, "INV-0090", "4C1E0A2B-0002"),
        ]);
    }

    [Fact]
    public async Task An_ofx_transaction_without_a_readable_date_or_amount_is_a_row_error()
    {
        var statement = await StatementFiles.ParseTextAsync(
            "<OFX><BANKTRANLIST><STMTTRN><DTPOSTED>2026-01-01<TRNAMT>-1.00<NAME>A</STMTTRN><STMTTRN><DTPOSTED>20260101<TRNAMT>one<NAME>B</STMTTRN></BANKTRANLIST></OFX>");

        statement.Rows.Select(r => r.Error?.Field).ShouldBe(["date", "amount"]);
    }
}
