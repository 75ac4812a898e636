using Accounting.Messaging;
using Accounting.Postgres;
using Accounting.Reports;
using Accounting.Reports.ReadModel;
using Accounting.Reports.Reports;
using Accounting.ServiceDefaults;

const string service = "reports";
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults(service);
builder.AddInternalIdentity(service);
builder.AddPostgres(service, typeof(Program).Assembly);
var queuePrefix = builder.Configuration.GetSection(ReportsOptions.SectionName).Get<ReportsOptions>()?.QueuePrefix ?? service;
builder.AddMessaging(queuePrefix, consumers =>
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

if (RebuildCommand.IsInvoked(args))
{
    return await RebuildCommand.RunAsync(app.Services, args, Console.Out, CancellationToken.None);
}

app.UseServiceDefaults();
app.MapDefaultEndpoints();
app.MapReportEndpoints();

app.Run();
return 0;
