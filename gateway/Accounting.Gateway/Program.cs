using Accounting.Gateway.Authentication;
using Accounting.Gateway.Proxy;
using Accounting.Gateway.RateLimiting;
using Accounting.Redis;
using Accounting.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults("gateway");
builder.AddRedis();
builder.AddGatewayAuthentication();
builder.AddGatewayRateLimiting();
builder.AddGatewayProxy();

var app = builder.Build();

app.UseServiceDefaults();
app.UseRateLimiter();
app.MapDefaultEndpoints();
app.MapGatewayProxy();

app.Run();
