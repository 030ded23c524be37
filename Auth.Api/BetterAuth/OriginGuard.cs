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
internal sealed class OriginGuard(IOptions<AuthOptions> options) : IEndpointFilter
{
    private readonly HashSet<string> _trustedOrigins = TrustedOrigins(options.Value);

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        if (!HttpMethods.IsPost(request.Method))
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
}
