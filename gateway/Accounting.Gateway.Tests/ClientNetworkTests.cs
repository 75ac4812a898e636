using System.Net;
using Accounting.Gateway.RateLimiting;

namespace Accounting.Gateway.Tests;

public sealed class ClientNetworkTests
{
    [Theory]
    [InlineData("198.51.100.7", "198.51.100.7")]
    [InlineData("::ffff:198.51.100.7", "198.51.100.7")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:3::1", "2001:db8:1:3::/64")]
    [InlineData("fe80::1%2", "fe80::/64")]
    public void An_IPv4_client_is_its_address_and_an_IPv6_client_its_64(string address, string network) =>
        ClientNetwork.Of(IPAddress.Parse(address)).ShouldBe(network);
}
