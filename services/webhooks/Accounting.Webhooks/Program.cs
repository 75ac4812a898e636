using Accounting.Postgres;
using Accounting.Postgres.Idempotency;
using Accounting.ServiceDefaults;
using Accounting.ServiceDefaults.Validation;
using Accounting.Webhooks.Dispatch;
using Accounting.Webhooks.Endpoints;

const string service = "webhooks";
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults(service);
builder.AddInternalIdentity(service);
builder.AddPostgres(service, typeof(Program).Assembly);
builder.AddWebhookDispatch(service);
builder.Services.AddValidators(typeof(Program).Assembly);

var app = builder.Build();

app.UseServiceDefaults();
app.UseIdempotency();
app.MapDefaultEndpoints();
app.MapWebhookEndpoints();
app.MapDeliveryEndpoints();

app.Run();
