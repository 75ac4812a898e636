using Yarp.ReverseProxy.Configuration;

// The gateway's own route table (copied beside the binary at build), minus the authorization and
// rate-limit policies it names, so the only difference from the gateway is the gateway's work.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Configuration.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "gateway.appsettings.json"), optional: false);
builder.Configuration.AddEnvironmentVariables();
builder.Logging.ClearProviders();
builder.Services.AddReverseProxy()
    .LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"))
    .AddConfigFilter<WithoutPolicies>();

var app = builder.Build();
app.MapReverseProxy();
app.Run();

internal sealed class WithoutPolicies : IProxyConfigFilter
{
    public ValueTask<ClusterConfig> ConfigureClusterAsync(ClusterConfig cluster, CancellationToken cancel) => new(cluster);

    public ValueTask<RouteConfig> ConfigureRouteAsync(RouteConfig route, ClusterConfig? cluster, CancellationToken cancel) =>
        new(route with { AuthorizationPolicy = null, RateLimiterPolicy = null });
}
