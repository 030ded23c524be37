using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace AspireAuth.Auth.Api.BetterAuth;

/// <summary>Marks the e-mail sign-in and sign-up endpoints, which also refuse untrusted origins without a cookie.</summary>
internal sealed class CredentialEndpointMetadata;

/// <summary>
/// Better Auth's cross-site request rules: a POST carrying cookies needs a trusted
/// <c>Origin</c> (or <c>Referer</c>); credential endpoints refuse untrusted origins and
/// cross-site navigations outright. GET is never checked.
/// </summary>
internal sealed partial class OriginGuard(IOptions<AuthOptions> options) : IEndpointFilter
{
    private readonly HashSet<string> _trustedOrigins = TrustedOrigins(options.Value);

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        if (!HttpMethods.IsPost(request.Method) || context.HttpContext.GetEndpoint()?.Metadata.GetMetadata<Social.CrossSiteCallbackMetadata>() is not null)
        {
            return next(context);
        }

        var isCredentialEndpoint = context.HttpContext.GetEndpoint()?.Metadata.GetMetadata<CredentialEndpointMetadata>() is not null;
        if (isCredentialEndpoint
            && request.Headers["Sec-Fetch-Site"] == "cross-site"
            && request.Headers["Sec-Fetch-Mode"] == "navigate")
        {
            return ValueTask.FromResult<object?>(AuthErrors.CrossSiteNavigationLoginBlocked());
        }

        var origin = RequestOrigin(request);
        if (request.Headers.Cookie.Count > 0)
        {
            if (origin is null or "null")
            {
                return ValueTask.FromResult<object?>(AuthErrors.MissingOrNullOrigin());
            }

            if (!IsTrusted(origin, request))
            {
                return ValueTask.FromResult<object?>(AuthErrors.InvalidOrigin());
            }
        }
        else if (isCredentialEndpoint && origin is not null && !IsTrusted(origin, request))
        {
            return ValueTask.FromResult<object?>(AuthErrors.InvalidOrigin());
        }

        return next(context);
    }

    /// <summary>
    /// Whether a client may ask to be sent to <paramref name="url"/> afterwards (<c>callbackURL</c> and the
    /// like), as Better Auth decides: a path on this site, or an absolute URL of a trusted origin — never
    /// another site, so no redirect of ours becomes an open redirect.
    /// </summary>
    public bool IsAllowedRedirect(string? url, HttpRequest request)
    {
        if (string.IsNullOrEmpty(url))
        {
            return true;
        }

        if (url.StartsWith('/'))
        {
            return RelativeRedirect().IsMatch(url);
        }

        return Uri.TryCreate(url, UriKind.Absolute, out var uri)
            && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            && string.IsNullOrEmpty(uri.UserInfo)
            && IsTrusted(uri.GetLeftPart(UriPartial.Authority), request);
    }

    private bool IsTrusted(string origin, HttpRequest request) =>
        _trustedOrigins.Contains(origin)
        || string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase);

    private static string? RequestOrigin(HttpRequest request)
    {
        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0)
        {
            return origin.TrimEnd('/');
        }

        return Uri.TryCreate(request.Headers[HeaderNames.Referer].ToString(), UriKind.Absolute, out var referer)
            ? referer.GetLeftPart(UriPartial.Authority)
            : null;
    }

    private static HashSet<string> TrustedOrigins(AuthOptions options)
    {
        var origins = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var origin in options.TrustedOrigins.Append(options.BaseUrl?.ToString()))
        {
            if (Uri.TryCreate(origin, UriKind.Absolute, out var uri))
            {
                origins.Add(uri.GetLeftPart(UriPartial.Authority));
            }
        }

        return origins;
    }

    // Better Auth's rule for a relative callback: one leading slash (not "//" or "/\\", which browsers
    // read as another host, nor their encodings), then path characters and an optional query.
    [GeneratedRegex(@"^/(?!/|\\|%2f|%5c)[\w\-.+/@]*(?:\?[\w\-.+/=&%@]*)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RelativeRedirect();
}
