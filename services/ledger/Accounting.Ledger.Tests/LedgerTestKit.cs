using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Accounting.Ledger.Chart;
using Accounting.ServiceDefaults;
using Accounting.Testing;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Accounting.Ledger.Tests;

/// <summary>One organisation with the default chart, and a client acting inside it with every ledger scope.</summary>
public sealed class Organisation : IDisposable
{
    public static readonly string[] AllScopes =
        ["accounts:write", "journals:write", "contacts:write", "invoices:write", "bills:write", "transactions:write"];

    private Organisation(LedgerFactory factory, string id, IReadOnlyDictionary<string, string> accountsByCode)
    {
        Factory = factory;
        Id = id;
        AccountsByCode = accountsByCode;
        Client = factory.CreateClientFor(TestIdentity.Caller(id, AllScopes));
    }

    public LedgerFactory Factory { get; }

    public string Id { get; }

    public HttpClient Client { get; }

    public IReadOnlyDictionary<string, string> AccountsByCode { get; }

    public string Account(string code) => AccountsByCode[code];

    /// <summary>An organisation seeded as the organisation.created consumer would seed it.</summary>
    public static async Task<Organisation> CreateAsync(LedgerFactory factory)
    {
        var id = Ids.New("org");
        var db = factory.Services.GetRequiredService<NpgsqlDataSource>();
        await using (var connection = await db.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await DefaultChart.SeedAsync(transaction, id, CancellationToken.None);
            await transaction.CommitAsync();
        }

        await using var reader = await db.OpenConnectionAsync();
        var accounts = (await reader.QueryAsync<(string Code, string Id)>("SELECT code, id FROM accounts WHERE organisation_id = @id", new { id }))
            .ToDictionary(a => a.Code, a => a.Id);
        return new Organisation(factory, id, accounts);
    }

    public HttpClient ClientWith(params string[] scopes) => Factory.CreateClientFor(TestIdentity.Caller(Id, scopes));

    public Task<HttpResponseMessage> PostAsync(string path, object? body = null) => Client.PostAsJsonAsync(path, body ?? new { });

    /// <summary>POSTs and returns the body, failing the test with the response when the status is not the expected one.</summary>
    public async Task<JsonElement> PostExpectingAsync(string path, object? body, HttpStatusCode expected)
    {
        var response = await PostAsync(path, body);
        return await Api.ExpectAsync(response, expected);
    }

    public async Task<JsonElement> GetAsync(string path) => await Api.ExpectAsync(await Client.GetAsync(new Uri(path, UriKind.Relative)), HttpStatusCode.OK);

    public async Task<string> CreateContactAsync(string type = "customer", string name = "Northwind Traders") =>
        (await PostExpectingAsync("/api/v1/contacts", new { type, name, email = "accounts@northwind.example" }, HttpStatusCode.Created)).Id();

    public static object InvoiceBody(string contactId, params object[] lines) => new
    {
        contact_id = contactId,
        issue_date = "2026-03-01",
        due_date = "2026-03-31",
        currency = "GBP",
        lines = lines.Length > 0 ? lines : [new { description = "Consulting", quantity = 1, unit_price = 100.00m, vat_rate = 20 }],
    };

    public async Task<JsonElement> CreateInvoiceAsync(string contactId, params object[] lines) =>
        await PostExpectingAsync("/api/v1/invoices", InvoiceBody(contactId, lines), HttpStatusCode.Created);

    public async Task<JsonElement> CreateBillAsync(string contactId, params object[] lines) =>
        await PostExpectingAsync("/api/v1/bills", InvoiceBody(contactId, lines), HttpStatusCode.Created);

    public static object Entry(string date, params object[] lines) => new { date, description = "Manual entry", currency = "GBP", lines };

    public static object Debit(string accountId, decimal amount) => new { account_id = accountId, debit = amount };

    public static object Credit(string accountId, decimal amount) => new { account_id = accountId, credit = amount };

    /// <summary>Events this organisation's writes put in the outbox, oldest first.</summary>
    public async Task<IReadOnlyList<(string Type, JsonElement Payload)>> EventsAsync()
    {
        await using var db = Factory.Database.CreateDataSource();
        await using var connection = await db.OpenConnectionAsync();
        var rows = await connection.QueryAsync<(string Type, string Payload)>(
            "SELECT event_type, payload::text FROM outbox_messages WHERE organisation_id = @Id ORDER BY id", new { Id });
        return [.. rows.Select(r => (r.Type, JsonDocument.Parse(r.Payload).RootElement.Clone()))];
    }

    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var db = Factory.Database.CreateDataSource();
        await using var connection = await db.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<T>(sql, new { Id }) ?? throw new InvalidOperationException("No value.");
    }

    public void Dispose() => Client.Dispose();
}

/// <summary>The ledger's resources are read by their <c>id</c> everywhere; the rest of reading answers is <see cref="Api"/>.</summary>
public static class LedgerJson
{
    public static string Id(this JsonElement element) => element.GetProperty("id").GetString()!;
}
