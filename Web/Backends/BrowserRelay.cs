using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace AspireAuth.Web.Backends;

/// <summary>
/// What the browser's request lends to the storefront's calls to the backends, and what Auth.Api's
/// answers hand back to the browser. Only Better Auth's cookies are forwarded (never the storefront's
/// own, such as the anti-forgery cookie). Cookies that Auth.Api sets are relayed to the browser and
/// also apply to the rest of this request, so one request can sign a guest in and then fill their cart.
/// </summary>
public sealed class BrowserRelay(IHttpContextAccessor accessor, IOptions<StorefrontOptions> options)
{
    private const string ForwardedForHeader = "X-Forwarded-For";

    private Dictionary<string, string>? _authCookies;

    private HttpContext Http => accessor.HttpContext
        ?? throw new InvalidOperationException("Backend calls on a visitor's behalf need the visitor's request.");

    /// <summary>The storefront's configured public origin; Auth.Api trusts it for cookie-carrying POSTs.</summary>
    public string Origin => options.Value.Origin;

    public bool HasAuthCookie => AuthCookies.Count > 0;

    private Dictionary<string, string> AuthCookies => _authCookies ??= ReadAuthCookies(Http.Request);

    public void ApplyTo(HttpRequestMessage request)
    {
        if (AuthCookies.Count > 0)
        {
            request.Headers.Add(HeaderNames.Cookie, string.Join("; ", AuthCookies.Select(cookie => $"{cookie.Key}={cookie.Value}")));
        }

        // Auth.Api records the browser's address and user agent with each session it issues.
        if (Http.Connection.RemoteIpAddress is { } address)
        {
            request.Headers.TryAddWithoutValidation(ForwardedForHeader, address.ToString());
        }

        if (Http.Request.Headers.UserAgent.ToString() is { Length: > 0 } userAgent)
        {
            request.Headers.TryAddWithoutValidation(HeaderNames.UserAgent, userAgent);
        }
    }

    public void RelaySetCookies(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues(HeaderNames.SetCookie, out var setCookies))
        {
            return;
        }

        foreach (var setCookie in setCookies)
        {
            Http.Response.Headers.Append(HeaderNames.SetCookie, setCookie);
            if (SetCookieHeaderValue.TryParse(setCookie, out var cookie) && IsAuthCookie(cookie.Name.Value))
            {
                if (cookie.Value.Length == 0 || cookie.MaxAge <= TimeSpan.Zero)
                {
                    AuthCookies.Remove(cookie.Name.Value!);
                }
                else
                {
                    AuthCookies[cookie.Name.Value!] = cookie.Value.Value!;
                }
            }
        }
    }

    private static Dictionary<string, string> ReadAuthCookies(HttpRequest request)
    {
        var cookies = new Dictionary<string, string>(StringComparer.Ordinal);
        // The raw header, not Request.Cookies: the signed value must reach Auth.Api byte for byte.
        if (CookieHeaderValue.TryParseList(request.Headers.Cookie, out var parsed))
        {
            foreach (var cookie in parsed.Where(cookie => IsAuthCookie(cookie.Name.Value)))
            {
                cookies[cookie.Name.Value!] = cookie.Value.Value ?? "";
            }
        }

        return cookies;
    }

    private static bool IsAuthCookie(string? name) =>
        name is not null
        && (name.StartsWith("better-auth.", StringComparison.Ordinal) || name.StartsWith("__Secure-better-auth.", StringComparison.Ordinal));
}
