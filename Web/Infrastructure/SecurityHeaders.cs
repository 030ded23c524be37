using Microsoft.Net.Http.Headers;

namespace AspireAuth.Web.Infrastructure;

internal static class SecurityHeaders
{
    // Everything the storefront shows ships with it: no script, style or image from elsewhere, no framing.
    private const string ContentSecurityPolicy =
        "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; " +
        "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use(static (context, next) =>
        {
            var headers = context.Response.Headers;
            headers[HeaderNames.ContentSecurityPolicy] = ContentSecurityPolicy;
            headers[HeaderNames.XContentTypeOptions] = "nosniff";
            headers["Referrer-Policy"] = "same-origin";
            return next(context);
        });
}
