using Accounting.Messaging;
using Accounting.Postgres;
using Accounting.ServiceDefaults;

const string service = "reports";
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults(service);
builder.AddInternalIdentity(service);
builder.AddPostgres(service, typeof(Program).Assembly);
builder.AddMessaging(service);
builder.Services.AddLedgerFeed(builder.Configuration);

var app = builder.Build();

app.UseServiceDefaults();
app.MapDefaultEndpoints();

app.Run();
