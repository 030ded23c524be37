using AspireAuth.Web.Backends;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace AspireAuth.Web.Infrastructure;

internal static class SecurityHeaders
{
    private const string FormsToSelf = "form-action 'self'";

    // Everything the storefront shows ships with it: no script, style or image from elsewhere, no framing.
    private const string ContentSecurityPolicy =
        "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; " +
        FormsToSelf + "; frame-ancestors 'none'; base-uri 'self'; object-src 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use(static (context, next) =>
        {
            var headers = context.Response.Headers;
            headers[HeaderNames.ContentSecurityPolicy] = ContentSecurityPolicy;
            headers[HeaderNames.XContentTypeOptions] = "nosniff";
            headers["Referrer-Policy"] = "same-origin";
            return next(context);
        });

    /// <summary>
    /// The policy for a page whose forms' answers redirect the browser to an identity provider: browsers hold a
    /// form's redirects to <c>form-action</c> too, and the provider's origin is Auth.Api's to know, so any https
    /// origin may follow a form (and http as well when the storefront itself is plain http, as in a local run).
    /// </summary>
    public static string PolicyForFormsLeavingFor(string storefrontScheme) =>
        ContentSecurityPolicy.Replace(
            FormsToSelf,
            storefrontScheme == Uri.UriSchemeHttp ? FormsToSelf + " https: http:" : FormsToSelf + " https:",
            StringComparison.Ordinal);
}

/// <summary>On a page with forms that send the browser on to an identity provider, when any is configured.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true)]
internal sealed class FormsLeaveForIdentityProvidersAttribute : ResultFilterAttribute
{
    public override void OnResultExecuting(ResultExecutingContext context)
    {
        var services = context.HttpContext.RequestServices;
        if (services.GetRequiredService<IOptions<SocialSignInOptions>>().Value.Any)
        {
            var storefront = services.GetRequiredService<IOptions<StorefrontOptions>>().Value;
            context.HttpContext.Response.Headers[HeaderNames.ContentSecurityPolicy] =
                SecurityHeaders.PolicyForFormsLeavingFor(storefront.PublicOrigin!.Scheme);
        }
    }
}
