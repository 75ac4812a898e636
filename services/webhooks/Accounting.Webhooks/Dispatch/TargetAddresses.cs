using System.Net;
using System.Net.Sockets;
using IPNetwork = System.Net.IPNetwork;

namespace Accounting.Webhooks.Dispatch;

/// <summary>Whether webhooks may reach a target address.</summary>
public enum TargetVerdict
{
    /// <summary>Public, or in a private network the configuration allows.</summary>
    Permitted,

    /// <summary>Outside the public internet, in no allowed network.</summary>
    Private,

    /// <summary>A cloud metadata endpoint, or an address relayed to a non-public one: never reachable, whatever is allowed.</summary>
    Forbidden,
}

/// <summary>
/// Which addresses lie outside the public internet (SSRF). IPv4-mapped IPv6 is its IPv4 address.
/// 6to4, NAT64 and Teredo addresses are judged by the IPv4 address they carry, since a relay or
/// translator delivers to it; one carrying anything but a public address is forbidden outright, as
/// nothing legitimate reaches a private network that way.
/// </summary>
public static class TargetAddresses
{
    /// <summary>
    /// Cloud metadata endpoints. IPv4 link-local holds AWS, GCP, Azure, OCI and OpenStack
    /// (169.254.169.254), ECS and EKS credentials (169.254.170.2, .23) and Tencent (169.254.0.23);
    /// then Alibaba, Azure's platform endpoint and AWS's IPv6 instance services (fd00:ec2::254 and others).
    /// </summary>
    private static readonly IPNetwork[] Metadata =
        [.. new[] { "169.254.0.0/16", "100.100.100.200/32", "168.63.129.16/32", "fd00:ec2::/32" }.Select(IPNetwork.Parse)];

    private static readonly string[] MetadataHosts =
    [
        "metadata.google.internal", "metadata.goog", "metadata", "instance-data", "instance-data.ec2.internal",
        "metadata.tencentyun.com", "metadata.platformequinix.com",
    ];

    private static readonly IPNetwork[] NonPublic =
    [
        .. new[]
        {
            "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
            "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
            "203.0.113.0/24", "224.0.0.0/3",
            "::/128", "::1/128", "100::/64", "2001:db8::/32", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
        }.Select(IPNetwork.Parse),
    ];

    private static readonly IPNetwork SixToFour = IPNetwork.Parse("2002::/16");
    private static readonly IPNetwork Teredo = IPNetwork.Parse("2001::/32");
    private static readonly IPNetwork WellKnownNat64 = IPNetwork.Parse("64:ff9b::/96");
    private static readonly IPNetwork LocalUseNat64 = IPNetwork.Parse("64:ff9b:1::/48");
    private static readonly IPNetwork IPv4Compatible = IPNetwork.Parse("::/96");

    /// <summary>True for a host name that only cloud metadata services answer to.</summary>
    public static bool IsMetadataHost(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var name = host.TrimEnd('.');
        return MetadataHosts.Any(metadata => name.Equals(metadata, StringComparison.OrdinalIgnoreCase));
    }

    /// <param name="allowedPrivateNetworks">The private networks configuration opens (local runs and tests: loopback).</param>
    public static TargetVerdict Judge(IPAddress address, IReadOnlyCollection<IPNetwork> allowedPrivateNetworks)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(allowedPrivateNetworks);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (Metadata.Any(network => network.Contains(address)))
        {
            return TargetVerdict.Forbidden;
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6 && CarriedIPv4(address) is { Count: > 0 } carried)
        {
            return carried.All(inner => Judge(inner, []) == TargetVerdict.Permitted) ? TargetVerdict.Permitted : TargetVerdict.Forbidden;
        }

        var isPublic = address.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6
            && !NonPublic.Any(network => network.Contains(address));
        return isPublic || allowedPrivateNetworks.Any(network => network.Contains(address)) ? TargetVerdict.Permitted : TargetVerdict.Private;
    }

    /// <summary>
    /// The IPv4 addresses an IPv6 transition address delivers to. Local-use NAT64 may use any
    /// RFC 6052 layout within its /48, so every one is taken; each must be public.
    /// </summary>
    private static List<IPAddress> CarriedIPv4(IPAddress address)
    {
        var b = address.GetAddressBytes();
        if (SixToFour.Contains(address))
        {
            return [new IPAddress(b.AsSpan(2, 4))];
        }

        if (Teredo.Contains(address))
        {
            // The client's address is stored inverted, so that NATs do not rewrite it.
            return [new IPAddress([(byte)~b[12], (byte)~b[13], (byte)~b[14], (byte)~b[15]])];
        }

        if (WellKnownNat64.Contains(address))
        {
            return [new IPAddress(b.AsSpan(12, 4))];
        }

        if (LocalUseNat64.Contains(address))
        {
            // RFC 6052 §2.2 for prefixes of 48, 56, 64 and 96 bits; bits 64-71 are always skipped.
            return
            [
                new IPAddress([b[6], b[7], b[9], b[10]]),
                new IPAddress([b[7], b[9], b[10], b[11]]),
                new IPAddress(b.AsSpan(9, 4)),
                new IPAddress(b.AsSpan(12, 4)),
            ];
        }

        // The deprecated IPv4-compatible form; :: and ::1 are themselves.
        return IPv4Compatible.Contains(address) && !address.Equals(IPAddress.IPv6Any) && !address.Equals(IPAddress.IPv6Loopback)
            ? [new IPAddress(b.AsSpan(12, 4))]
            : [];
    }
}
