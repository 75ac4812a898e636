using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Accounting.Ledger.Chart;
using Accounting.ServiceDefaults;
using Accounting.Testing;
using Dapper;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Accounting.Ledger.Tests.Banking.Imports;

/// <summary>The ledger on a clock the tests move, so a preview's 24 h pass in an instant.</summary>
public sealed class BankImportFactory() : ServiceFactory<Program>("ledger")
{
    public static readonly DateTimeOffset Start = new(2026, 6, 1, 9, 0, 0, TimeSpan.Zero);

    public FakeTimeProvider Clock { get; } = new(Start);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
    }
}

/// <summary>An organisation with the default chart and one GBP bank account, and a client with the banking scopes.</summary>
public sealed class ImportingOrganisation : IDisposable
{
    public static readonly string[] Scopes = ["transactions:write", "bank-imports:write"];

    private ImportingOrganisation(BankImportFactory factory, string id)
    {
        Factory = factory;
        Id = id;
        Client = factory.CreateClientFor(TestIdentity.Caller(id, Scopes));
    }

    public BankImportFactory Factory { get; }

    public string Id { get; }

    public HttpClient Client { get; }

    public string BankAccountId { get; private set; } = "";

    public static async Task<ImportingOrganisation> CreateAsync(BankImportFactory factory)
    {
        var id = Ids.New("org");
        var db = factory.Services.GetRequiredService<NpgsqlDataSource>();
        await using (var connection = await db.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await DefaultChart.SeedAsync(transaction, id, CancellationToken.None);
            await transaction.CommitAsync();
        }

        var organisation = new ImportingOrganisation(factory, id);
        organisation.BankAccountId = await organisation.CreateBankAccountAsync("Business Current Account");
        return organisation;
    }

    public HttpClient ClientWith(params string[] scopes) => Factory.CreateClientFor(TestIdentity.Caller(Id, scopes));

    public async Task<string> CreateBankAccountAsync(string name) =>
        (await Api.ExpectAsync(await Client.PostAsJsonAsync("/api/v1/bank-accounts", new { name, currency = "GBP" }), HttpStatusCode.Created)).Id();

    public static MultipartFormDataContent Upload(byte[] file, string? bankAccountId, params (string Name, string Value)[] fields)
    {
        var form = new MultipartFormDataContent();
        foreach (var (name, value) in fields)
        {
            form.Add(new StringContent(value), name);
        }

        if (bankAccountId is not null)
        {
            form.Add(new StringContent(bankAccountId), "bank_account_id");
        }

        var content = new ByteArrayContent(file);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(content, "file", "statement.csv");
        return form;
    }

    public Task<HttpResponseMessage> UploadAsync(byte[] file, string? bankAccountId = null, params (string Name, string Value)[] fields) =>
        Client.PostAsync("/api/v1/bank-imports", Upload(file, bankAccountId ?? BankAccountId, fields));

    public async Task<JsonElement> PreviewAsync(string statement, params (string Name, string Value)[] fields) =>
        await Api.ExpectAsync(await UploadAsync(StatementFiles.Bytes(statement), null, fields), HttpStatusCode.Created);

    public async Task<JsonElement> PreviewTextAsync(string csv) =>
        await Api.ExpectAsync(await UploadAsync(System.Text.Encoding.UTF8.GetBytes(csv)), HttpStatusCode.Created);

    public Task<HttpResponseMessage> ConfirmAsync(string importId) => Client.PostAsync($"/api/v1/bank-imports/{importId}/confirm", null);

    public async Task<JsonElement> GetAsync(string path) => await Api.ExpectAsync(await Client.GetAsync(new Uri(path, UriKind.Relative)), HttpStatusCode.OK);

    public async Task<JsonElement> CreateTransactionAsync(string date, string description, decimal amount) =>
        await Api.ExpectAsync(
            await Client.PostAsJsonAsync("/api/v1/transactions", new { bank_account_id = BankAccountId, date, description, amount }), HttpStatusCode.Created);

    public async Task<long> TransactionCountAsync()
    {
        await using var db = Factory.Database.CreateDataSource();
        await using var connection = await db.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM bank_transactions WHERE organisation_id = @Id", new { Id });
    }

    public async Task<IReadOnlyList<(string Type, string AggregateId)>> EventsAsync()
    {
        await using var db = Factory.Database.CreateDataSource();
        await using var connection = await db.OpenConnectionAsync();
        return [.. await connection.QueryAsync<(string, string)>(
            "SELECT event_type, aggregate_id FROM outbox_messages WHERE organisation_id = @Id ORDER BY id", new { Id })];
    }

    public void Dispose() => Client.Dispose();
}
