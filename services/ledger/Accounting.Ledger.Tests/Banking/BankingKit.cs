using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Accounting.Ledger.Tests.Banking;

/// <summary>Bank accounts, transactions and categories of a test organisation.</summary>
public static class BankingKit
{
    public static async Task<JsonElement> CreateBankAccountAsync(this Organisation organisation, string name = "Barclays Business", string currency = "GBP", string? ledgerAccountId = null) =>
        await organisation.PostExpectingAsync("/api/v1/bank-accounts", new { name, currency, sort_code = "20-00-00", account_number_last4 = "1234", ledger_account_id = ledgerAccountId }, HttpStatusCode.Created);

    public static async Task<JsonElement> CreateTransactionAsync(
        this Organisation organisation, string bankAccountId, string description, decimal amount, string date = "2026-03-10", string? reference = null) =>
        await organisation.PostExpectingAsync("/api/v1/transactions", new { bank_account_id = bankAccountId, date, description, amount, reference }, HttpStatusCode.Created);

    public static Task<HttpResponseMessage> PatchAsync(this Organisation organisation, string path, object body) =>
        organisation.Client.PatchAsJsonAsync(path, body);

    public static async Task<JsonElement> PatchExpectingAsync(this Organisation organisation, string path, object body, HttpStatusCode expected) =>
        await Api.ExpectAsync(await organisation.PatchAsync(path, body), expected);

    /// <summary>The id of the organisation's category with this slug of the default chart.</summary>
    public static Task<string> CategoryAsync(this Organisation organisation, string slug) =>
        organisation.ScalarAsync<string>($"SELECT id FROM categories WHERE organisation_id = @Id AND slug = '{slug}'");

    /// <summary>Debits and credits per account code of the entry, e.g. ("485", 45.99, 0).</summary>
    public static async Task<IReadOnlyList<(string Code, decimal Debit, decimal Credit)>> LinesOfAsync(this Organisation organisation, string entryId)
    {
        var entry = await organisation.GetAsync($"/api/v1/journal-entries/{entryId}");
        return [.. entry.GetProperty("lines").EnumerateArray().Select(l => (
            l.Text("account_code"),
            l.GetProperty("debit").ValueKind == JsonValueKind.Null ? 0m : l.Number("debit"),
            l.GetProperty("credit").ValueKind == JsonValueKind.Null ? 0m : l.Number("credit")))];
    }

    /// <summary>The net of all postings to an account (debits minus credits).</summary>
    public static Task<decimal> AccountNetAsync(this Organisation organisation, string accountId) =>
        organisation.ScalarAsync<decimal>($"SELECT coalesce(sum(debit - credit), 0) FROM journal_lines WHERE organisation_id = @Id AND account_id = '{accountId}'");
}
