using AspireAuth.ServiceDefaults.ApiErrors;
using Yarp.ReverseProxy.Model;

namespace AspireAuth.Web.Backends;

/// <summary>
/// What the browser's Better Auth client gets on <c>/api/auth/*</c> when the proxy cannot reach Auth.Api
/// (down, refused, timed out): the answer Auth.Api itself gives when its stores are down, 503 with
/// <c>Retry-After</c> and a <c>{"message","code"}</c> body, instead of the proxy's bare 502 or 504. A backend that
/// hangs (YARP would wait its 100 s activity timeout) is found out by <see cref="BackendLiveness"/>, as for the pages'
/// own calls: no shorter timeout on the route, which forwards the JavaScript client's sign-ups too.
/// </summary>
internal static class ProxyOutage
{
    /// <summary>The proxy's usual pipeline, inside the outage answer.</summary>
    public static void UseWithOutageAnswer(this IReverseProxyApplicationBuilder proxy)
    {
        var liveness = proxy.ApplicationServices.GetRequiredService<BackendLiveness>();
        var logger = proxy.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ProxyOutage).FullName!);
        proxy.Use(async (context, next) =>
        {
            // The cluster id is the service's name (appsettings.json), as in its https+http://{service} address.
            var service = context.GetReverseProxyFeature().Cluster.Config.ClusterId;
            var visitorGone = context.RequestAborted;
            var down = false;
            try
            {
                await liveness.CallAsync(service, token =>
                {
                    // YARP cancels the forwarded request on RequestAborted: this token also fires when the backend is down.
                    context.RequestAborted = token;
                    return next();
                }, visitorGone);
            }
            catch (ServiceUnavailableException outage)
            {
                logger.LogWarning(outage, "Backend {Service} is unavailable: {Reason}", outage.Service, outage.Message);
                down = true;
            }
            finally
            {
                context.RequestAborted = visitorGone;
            }

            if ((down || context.GetForwarderErrorFeature() is not null) && !context.Response.HasStarted)
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
