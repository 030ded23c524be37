using AspireAuth.ServiceDefaults.ApiErrors;
using Yarp.ReverseProxy.Model;

namespace AspireAuth.Web.Backends;

/// <summary>
/// What the browser's Better Auth client gets on <c>/api/auth/*</c> when the proxy cannot reach Auth.Api
/// (down, refused, timed out): the answer Auth.Api itself gives when its stores are down, 503 with
/// <c>Retry-After</c> and a <c>{"message","code"}</c> body, instead of the proxy's bare 502 or 504.
/// </summary>
internal static class ProxyOutage
{
    /// <summary>The proxy's usual pipeline, inside the outage answer.</summary>
    public static void UseWithOutageAnswer(this IReverseProxyApplicationBuilder proxy)
    {
        proxy.Use(async (context, next) =>
        {
            await next();
            if (context.GetForwarderErrorFeature() is not null && !context.Response.HasStarted)
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                context.Response.Headers.RetryAfter = ServiceOutages.RetryAfterSeconds;
                await context.Response.WriteAsJsonAsync(ApiError.ServiceUnavailable, ApiErrorJsonContext.Default.ApiError);
            }
        });
        proxy.UseSessionAffinity();
        proxy.UseLoadBalancing();
        proxy.UsePassiveHealthChecks();
    }
}
