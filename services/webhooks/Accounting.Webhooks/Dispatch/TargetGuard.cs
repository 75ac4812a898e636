using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Accounting.Webhooks.Dispatch;

/// <summary>A delivery target that resolves to an address webhooks must never reach.</summary>
public sealed class BlockedTargetException(string message) : Exception(message);

/// <summary>
/// Keeps endpoints away from the service's own network (SSRF): loopback, private, link-local,
/// carrier-grade NAT, cloud metadata and their IPv6 equivalents, unless configuration allows
/// private targets. Checked when an endpoint is saved and again on every connection, on the
/// address actually connected to, so a name that later resolves elsewhere is caught too.
/// </summary>
public sealed class TargetGuard(IOptions<WebhooksOptions> options)
{
    private readonly WebhooksOptions settings = options.Value;

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

        if (settings.AllowPrivateTargets)
        {
            return null;
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

        return addresses.Length == 0 ? $"The host {uri.Host} could not be resolved."
            : addresses.Any(IsPrivate) ? "url must not point at a private, loopback, link-local or metadata address."
            : null;
    }

    /// <summary>Connects to the first permitted address of the target; the dispatcher's only way out.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var target = context.DnsEndPoint;
        var addresses = await ResolveAsync(target.Host, cancellationToken);
        var permitted = settings.AllowPrivateTargets ? addresses : [.. addresses.Where(address => !IsPrivate(address))];
        if (permitted.Length == 0)
        {
            throw new BlockedTargetException($"{target.Host} resolves only to addresses webhooks may not reach.");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(permitted, target.Port, cancellationToken);
            if (!settings.AllowPrivateTargets && socket.RemoteEndPoint is IPEndPoint connected && IsPrivate(connected.Address))
            {
                throw new BlockedTargetException($"{target.Host} connected to a private address.");
            }

            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
        IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);

    /// <summary>True for every address outside the public internet.</summary>
    public static bool IsPrivate(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            return IsPrivate(address.MapToIPv4());
        }

        return address.AddressFamily switch
        {
            AddressFamily.InterNetwork => IsPrivateV4(address.GetAddressBytes()),
            AddressFamily.InterNetworkV6 => IsPrivateV6(address),
            _ => true,
        };
    }

    private static bool IsPrivateV4(byte[] b) =>
        b[0] is 0 or 10 or 127 or >= 224 // this network, private, loopback, multicast and reserved
        || (b[0] == 100 && b[1] is >= 64 and <= 127) // carrier-grade NAT
        || (b[0] == 169 && b[1] == 254) // link-local, cloud metadata (169.254.169.254)
        || (b[0] == 172 && b[1] is >= 16 and <= 31)
        || (b[0] == 192 && b[1] == 168)
        || (b[0] == 192 && b[1] == 0 && b[2] is 0 or 2) // IETF protocol assignments, documentation
        || (b[0] == 198 && b[1] is 18 or 19) // benchmarking
        || (b[0] == 198 && b[1] == 51 && b[2] == 100)
        || (b[0] == 203 && b[1] == 0 && b[2] == 113);

    private static bool IsPrivateV6(IPAddress address)
    {
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.IPv6None) || address.IsIPv6LinkLocal
            || address.IsIPv6SiteLocal || address.IsIPv6Multicast || address.IsIPv6UniqueLocal)
        {
            return true;
        }

        var b = address.GetAddressBytes();
        // NAT64 (64:ff9b::/96) and IPv4-compatible (::/96) addresses carry an IPv4 address that decides.
        var embedsIPv4 = (b[0] == 0 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0)
            || b.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0;
        return embedsIPv4 ? IsPrivateV4(b[12..]) : b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8; // 2001:db8::/32 documentation
    }
}
