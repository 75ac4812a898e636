using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Accounting.Ledger.Banking.Imports;
using Microsoft.Extensions.DependencyInjection;

namespace Accounting.Ledger.Tests.Banking.Imports;

public sealed class BankImportApiTests(BankImportFactory factory) : IClassFixture<BankImportFactory>
{
    private static IReadOnlyList<JsonElement> Rows(JsonElement import) => [.. import.GetProperty("rows").EnumerateArray()];

    private static (int Total, int Valid, int Duplicates, int Errors) Summary(JsonElement import)
    {
        var summary = import.GetProperty("summary");
        return (summary.GetProperty("total").GetInt32(), summary.GetProperty("valid").GetInt32(),
            summary.GetProperty("duplicates").GetInt32(), summary.GetProperty("errors").GetInt32());
    }

    private static (int Created, int SkippedDuplicates, int SkippedErrors) Counts(JsonElement confirmation) =>
        (confirmation.GetProperty("created").GetInt32(), confirmation.GetProperty("skipped_duplicates").GetInt32(), confirmation.GetProperty("skipped_errors").GetInt32());

    [Fact]
    public async Task A_preview_shows_every_row_and_the_summary_and_writes_no_transaction()
    {
        using var organisation = await ImportingOrganisation.CreateAsync(factory);

        var response = await organisation.UploadAsync(StatementFiles.Bytes("barclays-signed-amount.csv"));
        var preview = await Api.ExpectAsync(response, HttpStatusCode.Created);

        preview.Id().ShouldStartWith("imp_");
        response.Headers.Location!.ToString().ShouldBe($"/api/v1/bank-imports/{preview.Id()}");
        preview.Text("status").ShouldBe("preview");
        preview.Text("format").ShouldBe("csv");
        preview.Text("bank_account_id").ShouldBe(organisation.BankAccountId);
        Summary(preview).ShouldBe((5, 5, 0, 0));
        var first = Rows(preview)[0];
        (first.GetProperty("row").GetInt32(), first.Text("date"), first.Text("description"), first.Number("amount"), first.GetProperty("duplicate").GetBoolean())
            .ShouldBe((1, "2026-01-02", "AMAZON WEB SERVICES AWS.AMAZON.CO", -45.99m, false));
        first.GetProperty("error").ValueKind.ShouldBe(JsonValueKind.Null);
        (await organisation.TransactionCountAsync()).ShouldBe(0);
        (await organisation.GetAsync($"/api/v1/bank-imports/{preview.Id()}")).GetProperty("rows").GetRawText().ShouldBe(preview.GetProperty("rows").GetRawText());
    }

    [Fact]
    public async Task Confirming_creates_the_rows_as_transactions_of_the_import_with_their_events_in_the_outbox()
    {
        using var organisation = await ImportingOrganisation.CreateAsync(factory);
        var preview = await organisation.PreviewAsync("nationwide-windows-1252.csv");

        var confirmation = await Api.ExpectAsync(await organisation.ConfirmAsync(preview.Id()), HttpStatusCode.OK);

        confirmation.Id().ShouldBe(preview.Id());
        confirmation.Text("status").ShouldBe("confirmed");
        Counts(confirmation).ShouldBe((4, 0, 0));
        var transactions = await organisation.GetAsync($"/api/v1/transactions?import_id={preview.Id()}");
        var created = transactions.GetProperty("data").EnumerateArray().ToList();
        created.Select(t => t.Text("description")).Order(StringComparer.Ordinal).ShouldBe(["BRITISH GAS", "CAFÉ NERO 118", "CONTOSO LTD", "TESCO STORES 2094"]);
        created.ShouldAllBe(t => t.GetProperty("import_id").GetString() == preview.Id());
        created.Sum(t => t.Number("amount")).ShouldBe(-64.00m - 23.17m + 1500.00m - 4.35m);
        var events = await organisation.EventsAsync();
        events.Where(e => e.Type == "transaction.created").Select(e => e.AggregateId).Order(StringComparer.Ordinal)
            .ShouldBe(created.Select(t => t.Id()).Order(StringComparer.Ordinal));
        var stored = await organisation.GetAsync($"/api/v1/bank-imports/{preview.Id()}");
        (stored.Text("status"), stored.GetProperty("created").GetInt32()).ShouldBe(("confirmed", 4));
    }

    [Fact]
    public async Task Two_identical_rows_of_which_one_already_exists_are_one_duplicate_and_one_new_transaction()
    {
        using var organisation = await ImportingOrganisation.CreateAsync(factory);
        await organisation.CreateTransactionAsync("2026-05-04", "PRET A MANGER", -4.50m);

        var preview = await organisation.PreviewTextAsync("Date,Description,Amount\n2026-05-04,PRET A MANGER,-4.50\n2026-05-04,PRET A MANGER,-4.50\n2026-05-04,TESCO,-4.50\n");

        Rows(preview).Select(r => r.GetProperty("duplicate").GetBoolean()).ShouldBe([true, false, false]);
        Summary(preview).ShouldBe((3, 3, 1, 0));
        Counts(await Api.ExpectAsync(await organisation.ConfirmAsync(preview.Id()), HttpStatusCode.OK)).ShouldBe((2, 1, 0));
        (await organisation.TransactionCountAsync()).ShouldBe(3);
    }

    [Fact]
    public async Task An_ofx_statement_imported_again_is_all_duplicates_by_fitid()
    {
        using var organisation = await ImportingOrganisation.CreateAsync(factory);
        var first = await organisation.PreviewAsync("first-direct-ofx1.ofx");
        first.Text("format").ShouldBe("ofx");
        Counts(await Api.ExpectAsync(await organisation.ConfirmAsync(first.Id()), HttpStatusCode.OK)).ShouldBe((3, 0, 0));

        var again = await organisation.PreviewAsync("first-direct-ofx1.ofx");

        Summary(again).ShouldBe((3, 3, 3, 0));
        Counts(await Api.ExpectAsync(await organisation.ConfirmAsync(again.Id()), HttpStatusCode.OK)).ShouldBe((0, 3, 0));
        (await organisation.TransactionCountAsync()).ShouldBe(3);
    }

    [Fact]
    public async Task Confirming_skips_rows_that_became_duplicates_after_the_preview()
    {
        using var organisation = await ImportingOrganisation.CreateAsync(factory);
        var preview = await organisation.PreviewAsync("lloyds-ofx2.ofx");
        Summary(preview).Duplicates.ShouldBe(0);
        var overlapping = await organisation.PreviewAsync("lloyds-ofx2.ofx");
        await Api.ExpectAsync(await organisation.ConfirmAsync(overlapping.Id()), HttpStatusCode.OK);

        var confirmation = await Api.ExpectAsync(await organisation.ConfirmAsync(preview.Id()), HttpStatusCode.OK);

        Counts(confirmation).ShouldBe((0, 2, 0));
        (await organisation.TransactionCountAsync()).ShouldBe(2);
        Rows(await organisation.GetAsync($"/api/v1/bank-imports/{preview.Id()}")).ShouldAllBe(r => r.GetProperty("duplicate").GetBoolean());
    }

    [Fact]
    public async Task Rows_with_errors_are_shown_with_field_and_reason_and_skipped_on_confirm()
    {
        using var organisation = await ImportingOrganisation.CreateAsync(factory);

        var preview = await organisation.PreviewAsync("rows-with-errors.csv");

        Summary(preview).ShouldBe((6, 2, 0, 4));
        var error = Rows(preview)[2].GetProperty("error");
        (error.Text("field"), error.Text("message")).ShouldBe(("amount", "'twelve' is not an amount."));
        Counts(await Api.ExpectAsync(await organisation.ConfirmAsync(preview.Id()), HttpStatusCode.OK)).ShouldBe((2, 0, 4));
    }

    [Fact]
    public async Task Date_format_and_columns_fields_override_detection()
    {
        using var organisation = await ImportingOrganisation.CreateAsync(factory);

        var us = await organisation.PreviewAsync("amex-us-dates.csv", ("date_format", "MM/DD/YYYY"));
        var starling = await organisation.PreviewAsync("starling-columns-override.csv",
            ("columns", """{"date": "Date", "description": "Counter Party", "amount": "Amount (GBP)", "reference": "Reference"}"""));

        Rows(us).Select(r => r.Text("date")).ShouldBe(["2026-01-13", "2026-02-01"]);
        Rows(starling).Select(r => (r.Text("description"), r.Number("amount"), r.Text("reference")))
            .ShouldBe([("Microsoft", -9.99m, "MSFT E0400"), ("Wingtip Toys", 2400.00m, "INV-0201"), ("Screwfix", -34.98m, "SCREWFIX DIRECT")]);
    }

    [Theory]
    [InlineData("statement.pdf")]
    [InlineData("truncated-ofx1.ofx")]
    public async Task A_file_that_is_not_a_statement_is_a_422_naming_file_and_stores_nothing(string statement)
    {
        using var organisation = await ImportingOrganisation.CreateAsync(factory);

        var error = await Api.ExpectAsync(await organisation.UploadAsync(StatementFiles.Bytes(statement)), HttpStatusCode.UnprocessableEntity);

        error.ErrorCode().ShouldBe("validation_failed");
        error.ErrorFields().ShouldBe(["file"]);
        (await ImportCountAsync(organisation)).ShouldBe(0);
    }

    [Fact]
    public async Task More_than_fifty_thousand_rows_is_a_422_naming_file()
    {
        using var organisation = await ImportingOrganisation.CreateAsync(factory);
        var csv = new StringBuilder("Date,Description,Amount\n");
        for (var i = 0; i <= 50_000; i++)
        {
            csv.Append("2026-01-01,Card payment,-1.00\n");
        }

        var error = await Api.ExpectAsync(await organisation.UploadAsync(Encoding.UTF8.GetBytes(csv.ToString())), HttpStatusCode.UnprocessableEntity);

        error.ErrorFields().ShouldBe(["file"]);
    }

    [Fact]
    public async Task A_body_over_ten_megabytes_is_a_413()
    {
        using var organisation = await ImportingOrganisation.CreateAsync(factory);

        var error = await Api.ExpectAsync(await organisation.UploadAsync(new byte[(10 * 1024 * 1024) + 1]), HttpStatusCode.RequestEntityTooLarge);

        error.ErrorCode().ShouldBe("payload_too_large");
    }

    [Theory]
    [InlineData(null, "bank_account_id")]
    [InlineData("ba_doesnotexist0000000000", "bank_account_id")]
    [InlineData("acc_notabankaccount", "bank_account_id")]
    public async Task An_unknown_or_missing_bank_account_is_a_422_naming_it(string? bankAccountId, string field)
    {
        using var organisation = await ImportingOrganisation.CreateAsync(factory);
        using var form = ImportingOrganisation.Upload(StatementFiles.Bytes("barclays-signed-amount.csv"), bankAccountId);

        var error = await Api.ExpectAsync(await organisation.Client.PostAsync("/api/v1/bank-imports", form), HttpStatusCode.UnprocessableEntity);

        error.ErrorFields().ShouldBe([field]);
    }

    [Theory]
    [InlineData("date_format", "DD.MM.YY", "date_format")]
    [InlineData("columns", "{\"date\": 1}", "columns.date")]
    [InlineData("notes", "hello", "notes")]
    public async Task Invalid_form_fields_are_a_422_naming_them(string name, string value, string field)
    {
        using var organisation = await ImportingOrganisation.CreateAsync(factory);

        var error = await Api.ExpectAsync(
            await organisation.UploadAsync(StatementFiles.Bytes("barclays-signed-amount.csv"), null, (name, value)), HttpStatusCode.UnprocessableEntity);

        error.ErrorFields().ShouldContain(field);
    }

    [Fact]
    public async Task A_request_without_a_file_is_a_422_and_one_that_is_not_multipart_is_a_415()
    {
        using var organisation = await ImportingOrganisation.CreateAsync(factory);
        using var noFile = new MultipartFormDataContent { { new StringContent(organisation.BankAccountId), "bank_account_id" } };

        var missing = await Api.ExpectAsync(await organisation.Client.PostAsync("/api/v1/bank-imports", noFile), HttpStatusCode.UnprocessableEntity);
        var json = await Api.ExpectAsync(await organisation.Client.PostAsJsonAsync("/api/v1/bank-imports", new { bank_account_id = organisation.BankAccountId }),
            HttpStatusCode.UnsupportedMediaType);

        missing.ErrorFields().ShouldBe(["file"]);
        json.ErrorCode().ShouldBe("unsupported_media_type");
    }

    [Fact]
    public async Task Uploading_and_confirming_need_the_bank_imports_write_scope_and_reading_needs_transactions_read()
    {
        using var organisation = await ImportingOrganisation.CreateAsync(factory);
        var preview = await organisation.PreviewAsync("barclays-signed-amount.csv");
        using var reader = organisation.ClientWith("transactions:read");

        var upload = await reader.PostAsync("/api/v1/bank-imports", ImportingOrganisation.Upload(StatementFiles.Bytes("barclays-signed-amount.csv"), organisation.BankAccountId));
        var confirm = await reader.PostAsync($"/api/v1/bank-imports/{preview.Id()}/confirm", null);

        (await Api.ExpectAsync(upload, HttpStatusCode.Forbidden)).ErrorCode().ShouldBe("insufficient_scope");
        (await Api.ExpectAsync(confirm, HttpStatusCode.Forbidden)).ErrorCode().ShouldBe("insufficient_scope");
        await Api.ExpectAsync(await reader.GetAsync(new Uri($"/api/v1/bank-imports/{preview.Id()}", UriKind.Relative)), HttpStatusCode.OK);
    }

    [Fact]
    public async Task Another_organisations_import_is_a_404_and_its_bank_account_a_422()
    {
        using var owner = await ImportingOrganisation.CreateAsync(factory);
        using var intruder = await ImportingOrganisation.CreateAsync(factory);
        var preview = await owner.PreviewAsync("barclays-signed-amount.csv");

        var get = await intruder.Client.GetAsync(new Uri($"/api/v1/bank-imports/{preview.Id()}", UriKind.Relative));
        var confirm = await intruder.ConfirmAsync(preview.Id());
        var upload = await intruder.UploadAsync(StatementFiles.Bytes("barclays-signed-amount.csv"), owner.BankAccountId);

        (await Api.ExpectAsync(get, HttpStatusCode.NotFound)).ErrorCode().ShouldBe("not_found");
        (await Api.ExpectAsync(confirm, HttpStatusCode.NotFound)).ErrorCode().ShouldBe("not_found");
        (await Api.ExpectAsync(upload, HttpStatusCode.UnprocessableEntity)).ErrorFields().ShouldBe(["bank_account_id"]);
        (await owner.TransactionCountAsync()).ShouldBe(0);
        (await owner.GetAsync($"/api/v1/bank-imports/{preview.Id()}")).Text("status").ShouldBe("preview");
    }

    [Fact]
    public async Task Confirming_twice_is_a_409_and_creates_nothing_more()
    {
        using var organisation = await ImportingOrganisation.CreateAsync(factory);
        var preview = await organisation.PreviewAsync("santander-money-out-in.csv");
        await Api.ExpectAsync(await organisation.ConfirmAsync(preview.Id()), HttpStatusCode.OK);

        var again = await Api.ExpectAsync(await organisation.ConfirmAsync(preview.Id()), HttpStatusCode.Conflict);

        again.ErrorCode().ShouldBe("conflict");
        (await organisation.TransactionCountAsync()).ShouldBe(3);
    }

    [Fact]
    public async Task Of_two_confirms_at_once_exactly_one_creates_the_transactions_and_the_other_is_a_409()
    {
        using var organisation = await ImportingOrganisation.CreateAsync(factory);
        var preview = await organisation.PreviewAsync("hsbc-debit-credit-bom.csv");

        var responses = await Task.WhenAll(organisation.ConfirmAsync(preview.Id()), organisation.ConfirmAsync(preview.Id()));

        responses.Select(r => r.StatusCode).Order().ShouldBe([HttpStatusCode.OK, HttpStatusCode.Conflict]);
        (await organisation.TransactionCountAsync()).ShouldBe(4);
    }

    [Fact]
    public async Task A_preview_expires_after_24_hours_refuses_to_confirm_and_is_then_purged_while_confirmed_imports_stay()
    {
        using var organisation = await ImportingOrganisation.CreateAsync(factory);
        var confirmed = await organisation.PreviewAsync("barclays-signed-amount.csv");
        await Api.ExpectAsync(await organisation.ConfirmAsync(confirmed.Id()), HttpStatusCode.OK);
        // The retention job runs on the hour of this clock; expiring at half past keeps its rounds off the moment under test.
        var intoTheHour = TimeSpan.FromTicks((factory.Clock.GetUtcNow() - BankImportFactory.Start).Ticks % TimeSpan.TicksPerHour);
        factory.Clock.Advance(TimeSpan.FromMinutes(90) - intoTheHour);
        var preview = await organisation.PreviewAsync("lloyds-ofx2.ofx");
        factory.Clock.Advance(TimeSpan.FromHours(24) - TimeSpan.FromSeconds(1));
        (await organisation.GetAsync($"/api/v1/bank-imports/{preview.Id()}")).Text("status").ShouldBe("preview");

        factory.Clock.Advance(TimeSpan.FromSeconds(1));
        var expired = await organisation.GetAsync($"/api/v1/bank-imports/{preview.Id()}");
        var confirm = await Api.ExpectAsync(await organisation.ConfirmAsync(preview.Id()), HttpStatusCode.Conflict);
        await factory.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<BankImportRetention>().Single()
            .DeleteExpiredAsync(CancellationToken.None);

        expired.Text("status").ShouldBe("expired");
        confirm.GetProperty("error").Text("message").ShouldContain("expired");
        await Api.ExpectAsync(await organisation.Client.GetAsync(new Uri($"/api/v1/bank-imports/{preview.Id()}", UriKind.Relative)), HttpStatusCode.NotFound);
        (await organisation.GetAsync($"/api/v1/bank-imports/{confirmed.Id()}")).Text("status").ShouldBe("confirmed");
        (await organisation.TransactionCountAsync()).ShouldBe(5);
    }

    private static async Task<long> ImportCountAsync(ImportingOrganisation organisation)
    {
        await using var db = organisation.Factory.Database.CreateDataSource();
        await using var connection = await db.OpenConnectionAsync();
        return await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, "SELECT count(*) FROM bank_imports WHERE organisation_id = @Id", new { organisation.Id });
    }
}
