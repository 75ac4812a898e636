using System.Text.Json;

namespace Accounting.Ledger.Tests;

/// <summary>
/// The ledger's OpenAPI document states what each operation answers, body and all, because the
/// handlers return typed results: a client generated from it gets the real shapes.
/// </summary>
public sealed class LedgerOpenApiTests(LedgerFactory factory) : IClassFixture<LedgerFactory>
{
    [Theory]
    [InlineData("post", "/api/v1/invoices", "createInvoice", "201", "InvoiceView")]
    [InlineData("get", "/api/v1/invoices/{id}", "getInvoice", "200", "InvoiceView")]
    [InlineData("patch", "/api/v1/invoices/{id}", "updateInvoice", "200", "InvoiceView")]
    [InlineData("post", "/api/v1/invoices/{id}/send", "sendInvoice", "200", "InvoiceView")]
    [InlineData("post", "/api/v1/invoices/{id}/payments", "createInvoicePayment", "200", "InvoiceView")]
    [InlineData("post", "/api/v1/invoices/{id}/void", "voidInvoice", "200", "InvoiceView")]
    [InlineData("get", "/api/v1/invoices", "listInvoices", "200", "PageOfInvoiceView")]
    [InlineData("post", "/api/v1/bills", "createBill", "201", "BillView")]
    [InlineData("post", "/api/v1/bills/{id}/approve", "approveBill", "200", "BillView")]
    [InlineData("post", "/api/v1/bills/{id}/payments", "createBillPayment", "200", "BillView")]
    [InlineData("get", "/api/v1/bills", "listBills", "200", "PageOfBillView")]
    [InlineData("get", "/api/v1/transactions/{id}", "getBankTransaction", "200", "BankTransactionView")]
    [InlineData("post", "/api/v1/transactions", "createBankTransaction", "201", "BankTransactionView")]
    [InlineData("get", "/api/v1/transactions", "listBankTransactions", "200", "PageOfBankTransactionView")]
    [InlineData("post", "/api/v1/bank-accounts", "createBankAccount", "201", "BankAccountView")]
    [InlineData("post", "/api/v1/contacts", "createContact", "201", "ContactView")]
    [InlineData("get", "/api/v1/contacts/vendors", "listVendors", "200", "PageOfContactView")]
    [InlineData("post", "/api/v1/journal-entries", "createJournalEntry", "201", "JournalEntryView")]
    [InlineData("post", "/api/v1/journal-entries/{id}/reverse", "reverseJournalEntry", "200", "JournalEntryView")]
    [InlineData("patch", "/api/v1/accounts/{id}", "updateAccount", "200", "AccountView")]
    [InlineData("get", "/api/v1/categories", "listCategories", "200", "PageOfCategoryView")]
    [InlineData("post", "/api/v1/periods/close", "closePeriod", "200", "PeriodView")]
    public async Task An_operation_declares_its_success_status_with_the_schema_of_its_body(string method, string path, string operationId, string status, string schema)
    {
        using var document = await DocumentAsync();

        var operation = document.RootElement.GetProperty("paths").GetProperty(path).GetProperty(method);

        operation.GetProperty("operationId").GetString().ShouldBe(operationId);
        var successes = operation.GetProperty("responses").EnumerateObject().Where(r => r.Name[0] == '2').ToList();
        successes.Select(r => r.Name).ShouldBe([status]);
        SchemaOf(successes[0].Value).ShouldBe($"#/components/schemas/{schema}");
    }

    [Fact]
    public async Task Every_success_of_the_ledger_has_a_body_schema_except_204s()
    {
        using var document = await DocumentAsync();

        var bodiless = Operations(document.RootElement)
            .SelectMany(o => o.Operation.GetProperty("responses").EnumerateObject()
                .Where(r => r.Name[0] == '2' && r.Name != "204" && SchemaOf(r.Value) is null)
                .Select(r => $"{o.Method} {o.Path} {r.Name}"))
            .ToList();

        bodiless.ShouldBeEmpty();
        Operations(document.RootElement).Where(o => o.Operation.GetProperty("responses").TryGetProperty("204", out var noContent) && noContent.TryGetProperty("content", out _))
            .ShouldBeEmpty();
    }

    [Fact]
    public async Task Invoices_and_bills_have_their_own_schemas_with_their_own_number()
    {
        using var document = await DocumentAsync();
        var schemas = document.RootElement.GetProperty("components").GetProperty("schemas");

        var invoice = Properties(schemas.GetProperty("InvoiceView"));
        var bill = Properties(schemas.GetProperty("BillView"));

        invoice.ShouldContain("invoice_number");
        invoice.ShouldNotContain("bill_number");
        bill.ShouldContain("bill_number");
        bill.ShouldNotContain("invoice_number");
        invoice.Except(["invoice_number"]).ShouldBe(bill.Except(["bill_number"]), ignoreOrder: true);
    }

    [Theory]
    [InlineData("InvoiceView", "total")]
    [InlineData("InvoiceView", "amount_due")]
    [InlineData("TradeLineView", "unit_price")]
    [InlineData("PaymentView", "amount")]
    [InlineData("BankTransactionView", "amount")]
    [InlineData("BankAccountView", "balance")]
    [InlineData("JournalLineView", "debit")]
    public async Task Money_is_a_decimal_number(string schema, string property)
    {
        using var document = await DocumentAsync();

        var money = document.RootElement.GetProperty("components").GetProperty("schemas").GetProperty(schema).GetProperty("properties").GetProperty(property);

        money.GetRawText().ShouldContain("\"number\"");
        money.GetProperty("format").GetString().ShouldBe("decimal");
    }

    [Theory]
    [InlineData("CreateInvoiceRequest", "reference")]
    [InlineData("CreateBillRequest", "bill_number")]
    [InlineData("TradeLineRequest", "account_id")]
    [InlineData("PaymentRequest", "bank_account_id")]
    [InlineData("CreateContactRequest", "email")]
    [InlineData("CreateAccountRequest", "subtype")]
    [InlineData("CreateJournalEntryRequest", "reference")]
    [InlineData("JournalLineRequest", "credit")]
    [InlineData("CreateBankTransactionRequest", "currency")]
    [InlineData("CreateBankAccountRequest", "sort_code")]
    [InlineData("ReverseJournalEntryRequest", "date")]
    public async Task A_request_field_the_contract_makes_optional_is_not_required(string schema, string property)
    {
        using var document = await DocumentAsync();

        var request = Schema(document, schema);

        Properties(request).ShouldContain(property);
        Required(request).ShouldNotContain(property);
    }

    [Theory]
    [InlineData("CreateInvoiceRequest", "contact_id")]
    [InlineData("CreateInvoiceRequest", "lines")]
    [InlineData("CreateBillRequest", "due_date")]
    [InlineData("TradeLineRequest", "unit_price")]
    [InlineData("PaymentRequest", "amount")]
    [InlineData("CreateContactRequest", "name")]
    [InlineData("CreateJournalEntryRequest", "lines")]
    [InlineData("CreateBankTransactionRequest", "amount")]
    public async Task A_request_field_the_contract_requires_is_required(string schema, string property)
    {
        using var document = await DocumentAsync();

        Required(Schema(document, schema)).ShouldContain(property);
    }

    [Fact]
    public async Task A_PATCH_body_requires_no_field_since_fields_left_out_keep_their_value()
    {
        using var document = await DocumentAsync();

        var bodies = Operations(document.RootElement).Where(o => o.Method == "patch")
            .Select(o => SchemaOf(o.Operation.GetProperty("requestBody"))!.Split('/')[^1])
            .ToList();

        bodies.ShouldNotBeEmpty();
        bodies.Where(body => Required(Schema(document, body)).Count > 0).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("ContactView", "email")]
    [InlineData("AccountView", "subtype")]
    [InlineData("InvoiceView", "reference")]
    public async Task A_response_field_that_may_be_null_says_so(string schema, string property)
    {
        using var document = await DocumentAsync();

        var field = Schema(document, schema).GetProperty("properties").GetProperty(property);

        field.GetProperty("type").EnumerateArray().Select(t => t.GetString()).ShouldBe(["null", "string"], ignoreOrder: true);
    }

    [Theory]
    [InlineData("InvoiceView")]
    [InlineData("ContactView")]
    [InlineData("AccountView")]
    [InlineData("JournalEntryView")]
    [InlineData("BankTransactionView")]
    [InlineData("CreateInvoiceRequest")]
    [InlineData("CreateContactRequest")]
    [InlineData("CreateJournalEntryRequest")]
    [InlineData("CreateBankTransactionRequest")]
    public async Task A_main_resource_has_an_example_with_every_field_of_its_schema(string name)
    {
        using var document = await DocumentAsync();
        var schema = Schema(document, name);

        var example = schema.GetProperty("examples").EnumerateArray().Single();

        example.EnumerateObject().Select(p => p.Name).ShouldBe(Properties(schema), ignoreOrder: true);
    }

    [Fact]
    public async Task The_invoice_example_adds_up()
    {
        using var document = await DocumentAsync();

        var invoice = Schema(document, "InvoiceView").GetProperty("examples")[0];

        var lines = invoice.GetProperty("lines").EnumerateArray().ToList();
        lines.Sum(l => l.GetProperty("line_total").GetDecimal()).ShouldBe(invoice.GetProperty("subtotal").GetDecimal());
        lines.Sum(l => l.GetProperty("vat_amount").GetDecimal()).ShouldBe(invoice.GetProperty("vat_total").GetDecimal());
        (invoice.GetProperty("subtotal").GetDecimal() + invoice.GetProperty("vat_total").GetDecimal()).ShouldBe(invoice.GetProperty("total").GetDecimal());
        (invoice.GetProperty("total").GetDecimal() - invoice.GetProperty("amount_paid").GetDecimal()).ShouldBe(invoice.GetProperty("amount_due").GetDecimal());
        invoice.GetProperty("payments").EnumerateArray().Sum(p => p.GetProperty("amount").GetDecimal()).ShouldBe(invoice.GetProperty("amount_paid").GetDecimal());
    }

    [Theory]
    [InlineData("InvoiceView")]
    [InlineData("BillView")]
    public async Task Every_field_a_trade_document_always_has_is_required(string name)
    {
        using var document = await DocumentAsync();

        var required = Required(Schema(document, name));

        required.ShouldContain("id");
        required.ShouldContain("contact_id");
        required.ShouldContain("total");
        required.ShouldContain("lines");
        required.ShouldNotContain("reference");
        required.ShouldNotContain("journal_entry_id");
    }

    private static JsonElement Schema(JsonDocument document, string name) =>
        document.RootElement.GetProperty("components").GetProperty("schemas").GetProperty(name);

    private static string? SchemaOf(JsonElement response)
    {
        if (!response.TryGetProperty("content", out var content) || !content.EnumerateObject().Any())
        {
            return null;
        }

        var schema = content.EnumerateObject().First().Value.GetProperty("schema");
        return schema.TryGetProperty("$ref", out var reference) ? reference.GetString() : schema.GetRawText();
    }

    private static List<string> Properties(JsonElement schema) => [.. schema.GetProperty("properties").EnumerateObject().Select(p => p.Name)];

    private static List<string> Required(JsonElement schema) =>
        schema.TryGetProperty("required", out var required) ? [.. required.EnumerateArray().Select(r => r.GetString()!)] : [];

    private static IEnumerable<(string Path, string Method, JsonElement Operation)> Operations(JsonElement root) =>
        root.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(operation => (path.Name, operation.Name, operation.Value)));

    private async Task<JsonDocument> DocumentAsync()
    {
        using var anonymous = factory.CreateDefaultClient();
        return JsonDocument.Parse(await anonymous.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)));
    }
}
