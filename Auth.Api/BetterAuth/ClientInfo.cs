using System.Net;
using Microsoft.Net.Http.Headers;

namespace AspireAuth.Auth.Api.BetterAuth;

internal static class ClientInfo
{
    private const string ForwardedFor = "X-Forwarded-For";

    /// <summary>What Better Auth records as a session's <c>ipAddress</c>: the first <c>X-Forwarded-For</c> entry, else empty.</summary>
    public static string SessionIpAddress(HttpRequest request) =>
        request.Headers[ForwardedFor].ToString().Split(',', 2)[0].Trim();

    public static string UserAgent(HttpRequest request) => request.Headers[HeaderNames.UserAgent].ToString();

    /// <summary>
    /// Who the caller is for rate limiting: an IPv4 address, or an IPv6 client's /64 (one
    /// subscriber usually holds a whole /64, so per-address limits would be free to dodge).
    /// The address is the socket's peer, unless that peer is a trusted proxy, in which case the
    /// nearest untrusted <c>X-Forwarded-For</c> hop. Anyone else's <c>X-Forwarded-For</c> is
    /// ignored, so it cannot be used to dodge the limit.
    /// </summary>
    public static string RateLimitPartition(HttpContext context, IReadOnlyCollection<IPAddress> trustedProxies) =>
        RateLimitAddress(context, trustedProxies) is { } address ? Partition(address) : "unknown";

    /// <summary>An IPv4 address (IPv4-mapped IPv6 included) as itself; an IPv6 address as its /64, e.g. <c>2001:db8:1:2::/64</c>.</summary>
    internal static string Partition(IPAddress address)
    {
        address = Normalize(address)!;
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        Span<byte> prefix = stackalloc byte[16];
        address.TryWriteBytes(prefix, out _);
        prefix[8..].Clear();
        return $"{new IPAddress(prefix)}/64";
    }

    private static IPAddress? RateLimitAddress(HttpContext context, IReadOnlyCollection<IPAddress> trustedProxies)
    {
        var peer = Normalize(context.Connection.RemoteIpAddress);
        if (peer is null || !trustedProxies.Contains(peer))
        {
            return peer;
        }

        var hops = context.Request.Headers[ForwardedFor].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        for (var i = hops.Length - 1; i >= 0; i--)
        {
            if (!IPAddress.TryParse(hops[i], out var hop))
            {
                break;
            }

            hop = Normalize(hop)!;
            if (!trustedProxies.Contains(hop))
            {
                return hop;
            }
        }

        return peer;
    }

    internal static IPAddress? Normalize(IPAddress? address) =>
        address is { IsIPv4MappedToIPv6: true } ? address.MapToIPv4() : address;
}
