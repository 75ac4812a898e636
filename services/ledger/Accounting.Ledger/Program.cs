using Accounting.Messaging;
using Accounting.Postgres;
using Accounting.ServiceDefaults;

const string service = "ledger";
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults(service);
builder.AddInternalIdentity(service);
builder.AddPostgres(service, typeof(Program).Assembly);
builder.AddMessaging(service);

var app = builder.Build();

app.UseServiceDefaults();
app.MapDefaultEndpoints();

app.Run();
