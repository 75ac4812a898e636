using Accounting.Messaging;
using Accounting.Postgres;
using Accounting.Postgres.Migrations;
using Accounting.Reports;
using Accounting.Reports.ReadModel;
using Accounting.Reports.Reports;
using Accounting.ServiceDefaults;

const string service = "reports";
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults(service);
builder.AddInternalIdentity(service);
builder.AddPostgres(service, typeof(Program).Assembly);
builder.AddMessaging(service, consumers =>
{
    consumers.AddConsumer<JournalEntryPostedConsumer>((_, consumer) => JournalEntryPostedConsumer.Configure(consumer));
    consumers.AddConsumer<OrganisationCreatedConsumer>();
    consumers.AddConsumer<OrganisationUpdatedConsumer>();
    consumers.AddConsumer<ContactCreatedConsumer>();
    consumers.AddConsumer<InvoiceSentConsumer>();
    consumers.AddConsumer<BillApprovedConsumer>();
    consumers.AddConsumer<PaymentReceivedConsumer>();
    consumers.AddConsumer<PaymentMadeConsumer>();
    consumers.AddConsumer<InvoiceVoidedConsumer>();
});
builder.Services.AddOptions<ReportsOptions>().Bind(builder.Configuration.GetSection(ReportsOptions.SectionName));
builder.Services.AddSingleton<JournalApplier>();
builder.Services.AddSingleton<Replay>();
builder.Services.AddSingleton<Freshness>();
builder.Services.AddSingleton<AppliedPositions>();
builder.Services.AddHostedService(services => services.GetRequiredService<AppliedPositions>());
builder.Services.AddSingleton<GapFiller>();
builder.Services.AddHostedService(services => services.GetRequiredService<GapFiller>());
builder.Services.AddLedgerFeed(builder.Configuration);

var app = builder.Build();

// Operator command: `dotnet Accounting.Reports.dll rebuild --organisation org_…` (same configuration as the service).
if (args is ["rebuild", "--organisation", var organisationId, ..])
{
    await app.Services.GetRequiredService<MigrationRunner>().ApplyAsync(app.Services.GetServices<MigrationSource>(), CancellationToken.None);
    var position = await app.Services.GetRequiredService<Replay>().RebuildAsync(organisationId, CancellationToken.None);
    await Console.Out.WriteLineAsync($"Rebuilt {organisationId} up to sequence {position}.");
    return;
}

app.UseServiceDefaults();
app.MapDefaultEndpoints();
app.MapReportEndpoints();

app.Run();
