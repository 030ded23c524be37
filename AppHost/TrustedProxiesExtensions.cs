using AspireAuth.AppHost.Infrastructure;

namespace AspireAuth.AppHost;

internal static class TrustedProxiesExtensions
{
    /// <summary>
    /// The proxies whose X-Forwarded-For names the visitor (for per-visitor rate limits). Under `dotnet run` Web
    /// calls from loopback. Published, Web's address is the deployment's: the `auth-trusted-proxies` parameter, a
    /// comma-separated list of IP addresses, empty by default, so no X-Forwarded-For is believed until it is set.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithTrustedProxies(
        this IResourceBuilder<ProjectResource> service, IDistributedApplicationBuilder builder) =>
        builder.ExecutionContext.IsPublishMode
            ? service.WithEnvironment("Auth__RateLimit__TrustedProxies__0",
                builder.AddParameter("auth-trusted-proxies", new OverridableParameterDefault(""))
                    .WithDescription("Comma-separated IP addresses of the proxies in front of Auth.Api (Web); empty trusts none"))
            : service
                .WithEnvironment("Auth__RateLimit__TrustedProxies__0", "127.0.0.1")
                .WithEnvironment("Auth__RateLimit__TrustedProxies__1", "::1");
}
