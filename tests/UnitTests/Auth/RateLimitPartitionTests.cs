using System.Net;
using AspireAuth.Auth.Api.BetterAuth;

namespace AspireAuth.UnitTests.Auth;

/// <summary>Who counts as one client for the rate limits.</summary>
public sealed class RateLimitPartitionTests
{
    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7")]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:3::1", "2001:db8:1:3::/64")]
    [InlineData("::1", "::/64")]
    public void Ipv4_is_limited_per_address_and_ipv6_per_64(string address, string partition) =>
        Assert.Equal(partition, ClientInfo.Partition(IPAddress.Parse(address)));

    [Fact]
    public void Two_addresses_of_one_ipv6_64_are_one_client_and_neighbouring_64s_are_not()
    {
        var first = ClientInfo.Partition(IPAddress.Parse("2001:db8:aa:bb:1:2:3:4"));

        Assert.Equal(first, ClientInfo.Partition(IPAddress.Parse("2001:db8:aa:bb:9:8:7:6")));
        Assert.NotEqual(first, ClientInfo.Partition(IPAddress.Parse("2001:db8:aa:bc:1:2:3:4")));
    }

    [Fact]
    public void Neighbouring_ipv4_addresses_are_different_clients() =>
        Assert.NotEqual(ClientInfo.Partition(IPAddress.Parse("198.51.100.1")), ClientInfo.Partition(IPAddress.Parse("198.51.100.2")));
}
