using Accounting.Contracts;
using Accounting.Messaging;
using Accounting.Postgres;
using Accounting.ServiceDefaults;
using Accounting.ServiceDefaults.Validation;
using Accounting.Webhooks;
using Accounting.Webhooks.Dispatch;
using Accounting.Webhooks.Endpoints;

const string service = "webhooks";
var builder = WebApplication.CreateBuilder(args);
var webhooksSection = builder.Configuration.GetSection(WebhooksOptions.SectionName);
var eventQueue = webhooksSection.Get<WebhooksOptions>()?.EventQueue ?? new WebhooksOptions().EventQueue;

builder.AddServiceDefaults(service);
builder.AddInternalIdentity(service);
builder.AddPostgres(service, typeof(Program).Assembly);
builder.AddMessaging(service, bus => bus.AddDomainEventConsumers(EventCatalog.TypesIn([typeof(IntegrationEvent).Assembly]), eventQueue));

builder.Services.AddOptions<WebhooksOptions>().Bind(webhooksSection)
    .Validate(options => options.LeaseDuration > options.DeliveryTimeout, "Webhooks:LeaseDuration must exceed Webhooks:DeliveryTimeout.")
    .ValidateOnStart();
builder.Services.AddSingleton<TargetGuard>();
builder.Services.AddSingleton<WebhookSender>();
builder.Services.AddSingleton<DeliveryStore>();
builder.Services.AddSingleton<WebhookMetrics>();
builder.Services.AddHostedService<DeliveryWorker>();
builder.Services.AddValidators(typeof(Program).Assembly);

var app = builder.Build();

app.UseServiceDefaults();
app.MapDefaultEndpoints();
app.MapWebhookEndpoints();
app.MapDeliveryEndpoints();

app.Run();
