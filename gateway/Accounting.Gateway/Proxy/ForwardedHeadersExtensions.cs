using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using IPNetwork = System.Net.IPNetwork;

namespace Accounting.Gateway.Proxy;

public static class ForwardedHeadersExtensions
{
    /// <summary>Trusts <c>X-Forwarded-For</c> / <c>-Proto</c> from <see cref="GatewayOptions.TrustedProxies"/> only.</summary>
    public static WebApplicationBuilder AddGatewayForwardedHeaders(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<GatewayOptions>()
            .Validate(
                gateway => gateway.TrustedProxies.All(proxy => TryParseNetwork(proxy, out _)),
                "Gateway:TrustedProxies must list IP addresses or networks such as 10.0.0.0/8.")
            .ValidateOnStart();
        builder.Services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<GatewayOptions>>((forwarded, gateway) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // Only the entry the trusted proxy appended: anything before it the client wrote itself.
            forwarded.ForwardLimit = 1;
            // The framework trusts loopback by default; here nothing is trusted unless configured.
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var proxy in gateway.Value.TrustedProxies)
            {
                if (TryParseNetwork(proxy, out var network))
                {
                    forwarded.KnownIPNetworks.Add(network);
                }
            }
        });
        return builder;
    }

    /// <summary>First in the pipeline, so everything after it (limits, logs, the proxy) sees the client's address.</summary>
    public static WebApplication UseGatewayForwardedHeaders(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (app.Services.GetRequiredService<IOptions<GatewayOptions>>().Value.TrustedProxies.Count > 0)
        {
            app.UseForwardedHeaders();
        }

        return app;
    }

    /// <summary>A network, or one address as a network of its own.</summary>
    private static bool TryParseNetwork(string proxy, out IPNetwork network)
    {
        if (IPAddress.TryParse(proxy, out var address))
        {
            network = new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }

        return IPNetwork.TryParse(proxy, out network);
    }
}
