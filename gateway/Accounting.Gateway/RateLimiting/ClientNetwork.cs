using System.Net;
using System.Net.Sockets;

namespace Accounting.Gateway.RateLimiting;

/// <summary>
/// Whose budget a client address spends: an IPv4 address is one client, an IPv6 client holds a
/// whole /64 (one subscriber's network, 2^64 addresses), and an IPv4 client seen through an
/// IPv4-mapped IPv6 address is the same IPv4 client.
/// </summary>
public static class ClientNetwork
{
    public static string Of(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes) + "/64";
    }
}
