using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using IPNetwork = System.Net.IPNetwork;

namespace Accounting.Webhooks.Dispatch;

/// <summary>A delivery target that resolves to an address webhooks must never reach.</summary>
public sealed class BlockedTargetException(string message) : Exception(message);

/// <summary>
/// Keeps endpoints away from the service's own network (SSRF): only public addresses, and those in
/// <see cref="WebhooksOptions.AllowedPrivateNetworks"/>, may be reached; cloud metadata endpoints
/// never, by name or by address (see <see cref="TargetAddresses"/>). Checked when an endpoint is
/// saved and again on every connection, on the address actually connected to, so a name that later
/// resolves elsewhere is caught too.
/// </summary>
public sealed class TargetGuard(IOptions<WebhooksOptions> options)
{
    private const string MetadataProblem = "url must not point at a cloud metadata endpoint, or at a private address through an IPv6 transition address.";

    private readonly WebhooksOptions settings = options.Value;
    private readonly IPNetwork[] allowedPrivateNetworks = [.. options.Value.AllowedPrivateNetworks.Select(IPNetwork.Parse)];

    /// <summary>Why <paramref name="url"/> cannot be an endpoint, or null when it can.</summary>
    public async Task<string?> ProblemWithAsync(string url, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || uri.Host.Length == 0)
        {
            return "url must be an absolute https URL.";
        }

        if (uri.Scheme == "http" && !settings.AllowHttp)
        {
            return "url must use https.";
        }

        if (uri.UserInfo.Length > 0)
        {
            return "url must not contain credentials.";
        }

        if (uri.Fragment.Length > 0)
        {
            return "url must not contain a fragment.";
        }

        if (TargetAddresses.IsMetadataHost(uri.IdnHost))
        {
            return MetadataProblem;
        }

        IPAddress[] addresses;
        try
        {
            addresses = await ResolveAsync(uri.IdnHost, cancellationToken);
        }
        catch (SocketException)
        {
            return $"The host {uri.Host} could not be resolved.";
        }

        var verdicts = addresses.Select(Judge).ToList();
        return verdicts.Count == 0 ? $"The host {uri.Host} could not be resolved."
            : verdicts.Contains(TargetVerdict.Forbidden) ? MetadataProblem
            : verdicts.Contains(TargetVerdict.Private) ? "url must not point at a private, loopback or link-local address."
            : null;
    }

    /// <summary>Connects to the first permitted address of the target; the dispatcher's only way out.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var target = context.DnsEndPoint;
        if (TargetAddresses.IsMetadataHost(target.Host))
        {
            throw new BlockedTargetException($"{target.Host} is a cloud metadata endpoint.");
        }

        var addresses = await ResolveAsync(target.Host, cancellationToken);
        IPAddress[] permitted = [.. addresses.Where(address => Judge(address) == TargetVerdict.Permitted)];
        if (permitted.Length == 0)
        {
            throw new BlockedTargetException(addresses.Any(address => Judge(address) == TargetVerdict.Forbidden)
                ? $"{target.Host} resolves to a cloud metadata endpoint or a relayed private address."
                : $"{target.Host} resolves only to addresses webhooks may not reach.");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(permitted, target.Port, cancellationToken);
            if (socket.RemoteEndPoint is IPEndPoint connected && Judge(connected.Address) != TargetVerdict.Permitted)
            {
                throw new BlockedTargetException($"{target.Host} connected to an address webhooks may not reach.");
            }

            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private TargetVerdict Judge(IPAddress address) => TargetAddresses.Judge(address, allowedPrivateNetworks);

    private static async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
        IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
}
