using Accounting.Ledger.Banking;
using Accounting.Ledger.Banking.Imports;
using Accounting.Ledger.Chart;
using Accounting.Ledger.Deadlines;
using Accounting.Ledger.Documents;
using Accounting.Ledger.Endpoints;
using Accounting.Ledger.Feed;
using Accounting.Ledger.Organisations;
using Accounting.Ledger.Trade;
using Accounting.Messaging;
using Accounting.Postgres;
using Accounting.Postgres.Idempotency;
using Accounting.ServiceDefaults;
using Accounting.ServiceDefaults.Validation;

const string service = "ledger";
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults(service);
builder.AddInternalIdentity(service);
builder.AddServiceIdentity(service);
builder.AddPostgres(service, typeof(Program).Assembly);
builder.AddMessaging(service, consumers =>
{
    consumers.AddConsumer<OrganisationCreatedConsumer>();
    consumers.AddConsumer<OrganisationUpdatedConsumer>();
});
builder.Services.AddValidators(typeof(Program).Assembly);
builder.Services.AddBankImports();
builder.Services.AddLedgerResourceExamples();
builder.Services.AddSingleton<IDocumentStore, PostgresDocumentStore>();

var app = builder.Build();

app.UseServiceDefaults();
app.UseIdempotency();
app.MapDefaultEndpoints();
app.MapAccountEndpoints();
app.MapCategoryEndpoints();
app.MapJournalEntryEndpoints();
app.MapContactEndpoints();
app.MapInvoiceEndpoints();
app.MapBillEndpoints();
app.MapPeriodEndpoints();
app.MapFeedEndpoints();
app.MapBankingEndpoints();
app.MapBankImportEndpoints();
app.MapDeadlineEndpoints();
app.MapDocumentEndpoints();

app.Run();
