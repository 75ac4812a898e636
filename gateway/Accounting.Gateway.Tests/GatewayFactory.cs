using System.Net;
using Accounting.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Accounting.Gateway.Tests;

/// <summary>
/// The gateway in memory, with the real Redis, proxying to <paramref name="upstream"/> for every
/// service, signing identities with the key the test services trust.
/// </summary>
public sealed class GatewayFactory(StubUpstream upstream, TimeProvider? clock = null, IReadOnlyDictionary<string, string>? settings = null)
    : WebApplicationFactory<Program>
{
    public static readonly string[] Clusters = ["auth", "ledger", "reports", "webhooks"];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Redis", TestEnvironment.Redis);
        builder.UseSetting("InternalIdentity:SigningKeyPath", TestIdentity.SigningKeyPath);
        foreach (var cluster in Clusters)
        {
            builder.UseSetting($"ReverseProxy:Clusters:{cluster}:Destinations:primary:Address", upstream.Address.ToString());
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            builder.UseSetting(key, value);
        }

        // The in-memory server has no TCP peer; give requests the loopback address a local client would have.
        builder.ConfigureTestServices(services => services.AddTransient<IStartupFilter, LoopbackPeer>());
        if (clock is not null)
        {
            builder.ConfigureTestServices(services => services.AddSingleton(clock));
        }
    }
}

internal sealed class LoopbackPeer : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, nextMiddleware) =>
        {
            context.Connection.RemoteIpAddress ??= IPAddress.Loopback;
            return nextMiddleware(context);
        });
        next(app);
    };
}

/// <summary>One stub upstream per test class, so each class's gateways see only their own traffic.</summary>
public sealed class UpstreamFixture : IAsyncLifetime
{
    public StubUpstream Upstream { get; private set; } = null!;

    public async Task InitializeAsync() => Upstream = await StubUpstream.StartAsync();

    public async Task DisposeAsync() => await Upstream.DisposeAsync();
}

/// <summary>A stub upstream and one gateway in front of it, shared by a test class.</summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    public StubUpstream Upstream { get; private set; } = null!;

    public GatewayFactory Gateway { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Upstream = await StubUpstream.StartAsync();
        Gateway = new GatewayFactory(Upstream);
        Client = Gateway.CreateClient();
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Gateway.DisposeAsync();
        await Upstream.DisposeAsync();
    }
}
