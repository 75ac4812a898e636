using Accounting.Gateway.Authentication;
using Accounting.Gateway.Documentation;
using Accounting.Gateway.Proxy;
using Accounting.Gateway.RateLimiting;
using Accounting.Gateway.RequestLog;
using Accounting.Redis;
using Accounting.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults("gateway");
builder.AddRedis();
builder.AddGatewayAuthentication();
builder.AddGatewayRateLimiting();
builder.AddGatewayProxy();
builder.AddGatewayForwardedHeaders();
builder.AddGatewayDocumentation();
builder.AddGatewayRequestLog();

var app = builder.Build();

app.UseGatewayForwardedHeaders();
app.UseGatewayRequestLog();
app.UseServiceDefaults();
app.UseRateLimiter();
app.MapHealthEndpoints();
app.MapGatewayDocumentation();
app.MapGatewayProxy();

app.Run();
