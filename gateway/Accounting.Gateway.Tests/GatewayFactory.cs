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
/// service, signing identities with the key the test services trust. Requests come from
/// <paramref name="peer"/>, by default an address of this gateway's own: per-address limits live
/// in the shared Redis, so gateways of other tests (and of earlier runs) must not share them.
/// </summary>
public sealed class GatewayFactory(
    StubUpstream upstream, TimeProvider? clock = null, IReadOnlyDictionary<string, string>? settings = null, IPAddress? peer = null)
    : WebApplicationFactory<Program>
{
    public static readonly string[] Clusters = ["auth", "ledger", "reports", "webhooks"];

    public IPAddress Peer { get; } = peer ?? TestAddresses.NewIPv4();

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

        // The in-memory server has no TCP peer; give requests the address of this gateway's client.
        builder.ConfigureTestServices(services => services.AddTransient<IStartupFilter>(_ => new TestPeer(Peer)));
        if (clock is not null)
        {
            builder.ConfigureTestServices(services => services.AddSingleton(clock));
        }
    }
}

internal sealed class TestPeer(IPAddress peer) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, nextMiddleware) =>
        {
            context.Connection.RemoteIpAddress ??= peer;
            return nextMiddleware(context);
        });
        next(app);
    };
}

/// <summary>Client addresses no other test uses, from private and documentation ranges.</summary>
public static class TestAddresses
{
    public static IPAddress NewIPv4() =>
        new([10, (byte)Random.Shared.Next(256), (byte)Random.Shared.Next(256), (byte)Random.Shared.Next(1, 255)]);

    /// <summary>An address in a /64 of its own inside 2001:db8::/32.</summary>
    public static IPAddress NewIPv6Network() => InNetwork(NewIPv6(), 1);

    /// <summary>Another address in the /64 of <paramref name="address"/>.</summary>
    public static IPAddress InNetwork(IPAddress address, ulong host)
    {
        ArgumentNullException.ThrowIfNull(address);
        var bytes = address.GetAddressBytes();
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(8), host);
        return new IPAddress(bytes);
    }

    /// <summary>An address in the /64 right after that of <paramref name="address"/>.</summary>
    public static IPAddress NextNetwork(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var bytes = address.GetAddressBytes();
        var prefix = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes, prefix + 1);
        return InNetwork(new IPAddress(bytes), 1);
    }

    private static IPAddress NewIPv6()
    {
        var bytes = new byte[16];
        bytes[0] = 0x20;
        bytes[1] = 0x01;
        bytes[2] = 0x0d;
        bytes[3] = 0xb8;
        Random.Shared.NextBytes(bytes.AsSpan(4, 4));
        return new IPAddress(bytes);
    }
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
