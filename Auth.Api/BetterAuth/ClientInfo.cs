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
    /// The caller's address for rate limiting: the socket's peer, unless that peer is a trusted
    /// proxy, in which case the nearest untrusted <c>X-Forwarded-For</c> hop. Anyone else's
    /// <c>X-Forwarded-For</c> is ignored, so it cannot be used to dodge the limit.
    /// </summary>
    public static string RateLimitAddress(HttpContext context, IReadOnlyCollection<IPAddress> trustedProxies)
    {
        var peer = Normalize(context.Connection.RemoteIpAddress);
        if (peer is null || !trustedProxies.Contains(peer))
        {
            return peer?.ToString() ?? "unknown";
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
                return hop.ToString();
            }
        }

        return peer.ToString();
    }

    private static IPAddress? Normalize(IPAddress? address) =>
        address is { IsIPv4MappedToIPv6: true } ? address.MapToIPv4() : address;
}
