using System.Net;
using Accounting.Webhooks.Dispatch;
using IPNetwork = System.Net.IPNetwork;

namespace Accounting.Webhooks.Tests;

public sealed class TargetAddressesTests
{
    private static readonly IPNetwork[] Loopback = [IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("::1/128")];
    private static readonly IPNetwork[] Everything = [IPNetwork.Parse("0.0.0.0/0"), IPNetwork.Parse("::/0")];

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("10.1.2.3")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.1.1")]
    [InlineData("100.64.0.1")]
    [InlineData("0.0.0.0")]
    [InlineData("224.0.0.1")]
    [InlineData("255.255.255.255")]
    [InlineData("::1")]
    [InlineData("::")]
    [InlineData("fd00::1")]
    [InlineData("fe80::1")]
    [InlineData("::ffff:127.0.0.1")]
    public void Private_loopback_and_link_local_addresses_are_refused_when_no_network_is_allowed(string address) =>
        TargetAddresses.Judge(IPAddress.Parse(address), []).ShouldBe(TargetVerdict.Private);

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.255.0.1")]
    [InlineData("::1")]
    [InlineData("::ffff:127.0.0.1")]
    public void Loopback_is_permitted_only_where_it_is_listed(string address)
    {
        TargetAddresses.Judge(IPAddress.Parse(address), Loopback).ShouldBe(TargetVerdict.Permitted);
        TargetAddresses.Judge(IPAddress.Parse(address), [IPNetwork.Parse("10.0.0.0/8")]).ShouldBe(TargetVerdict.Private);
    }

    [Fact]
    public void A_listed_network_written_with_host_bits_covers_its_whole_prefix() =>
        TargetAddresses.Judge(IPAddress.Parse("127.0.0.5"), [IPNetwork.Parse("127.0.0.1/8")]).ShouldBe(TargetVerdict.Permitted);

    [Theory]
    [InlineData("10.0.0.1")]
    [InlineData("192.168.1.1")]
    [InlineData("fd12::1")]
    public void A_private_network_left_out_of_the_list_stays_refused(string address) =>
        TargetAddresses.Judge(IPAddress.Parse(address), Loopback).ShouldBe(TargetVerdict.Private);

    [Theory]
    [InlineData("169.254.169.254")]
    [InlineData("169.254.170.2")]
    [InlineData("169.254.170.23")]
    [InlineData("100.100.100.200")]
    [InlineData("fd00:ec2::254")]
    [InlineData("fd00:ec2::23")]
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("::169.254.169.254")]
    [InlineData("2002:a9fe:a9fe::")]
    [InlineData("64:ff9b::a9fe:a9fe")]
    [InlineData("64:ff9b:1::a9fe:a9fe")]
    [InlineData("64:ff9b:1:a9fe:a9:fe00::")]
    [InlineData("2001:0:4136:e378:8000:63bf:5601:5601")]
    // Private IPv4 behind 6to4, NAT64 and Teredo, loopback included: never permitted, whatever is listed.
    [InlineData("2002:7f00:1::1")]
    [InlineData("64:ff9b::10.0.0.1")]
    [InlineData("64:ff9b:1:c0a8:1:1400::")]
    [InlineData("2001:0:4136:e378:8000:63bf:f5ff:fffe")]
    public void Metadata_endpoints_and_relayed_private_addresses_are_forbidden_even_when_every_network_is_allowed(string address)
    {
        TargetAddresses.Judge(IPAddress.Parse(address), Everything).ShouldBe(TargetVerdict.Forbidden);
        TargetAddresses.Judge(IPAddress.Parse(address), []).ShouldBe(TargetVerdict.Forbidden);
    }

    [Theory]
    [InlineData("93.184.215.14")]
    [InlineData("172.32.0.1")]
    [InlineData("100.128.0.1")]
    [InlineData("2606:4700::1111")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("2002:5db8:d70e::1")]
    [InlineData("64:ff9b::8.8.8.8")]
    [InlineData("2001:0:4136:e378:8000:63bf:f7f7:f7f7")]
    public void Public_addresses_are_permitted_however_they_are_written(string address) =>
        TargetAddresses.Judge(IPAddress.Parse(address), []).ShouldBe(TargetVerdict.Permitted);

    [Theory]
    [InlineData("metadata.google.internal")]
    [InlineData("METADATA.GOOGLE.INTERNAL.")]
    [InlineData("metadata.goog")]
    [InlineData("metadata")]
    [InlineData("instance-data.ec2.internal")]
    public void Metadata_host_names_are_recognised_in_any_case(string host) =>
        TargetAddresses.IsMetadataHost(host).ShouldBeTrue();
}
