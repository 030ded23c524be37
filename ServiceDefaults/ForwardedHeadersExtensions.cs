using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

/// <summary>Bound from <c>ForwardedHeaders</c>: the proxies in front of a service whose <c>X-Forwarded-For</c>/<c>-Proto</c> are believed.</summary>
public sealed class TrustedProxiesOptions
{
    public const string SectionName = "ForwardedHeaders";

    /// <summary>Proxy addresses, e.g. <c>10.0.0.5</c>.</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Proxy networks in CIDR notation, e.g. <c>10.0.0.0/24</c>.</summary>
    public List<string> KnownNetworks { get; set; } = [];
}

public static class ForwardedHeadersExtensions
{
    /// <summary>
    /// Forwarded headers are honoured only from <see cref="TrustedProxiesOptions"/>'s proxies; with none
    /// configured (the default), from nobody. This holds even with <c>ASPNETCORE_FORWARDEDHEADERS_ENABLED=true</c>,
    /// which Aspire's publish manifest sets on every project and which on its own makes ASP.NET Core clear the
    /// known proxies and networks, that is, believe any client's <c>X-Forwarded-For</c>: this runs after that
    /// setup (a post-configure) and replaces its lists.
    /// </summary>
    public static TBuilder AddTrustedForwardedHeaders<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<TrustedProxiesOptions>().BindConfiguration(TrustedProxiesOptions.SectionName)
            .Validate(options => options.KnownProxies.TrueForAll(proxy => IPAddress.TryParse(proxy, out _)),
                "ForwardedHeaders:KnownProxies must hold IP addresses.")
            .Validate(options => options.KnownNetworks.TrueForAll(network => System.Net.IPNetwork.TryParse(network, out _)),
                "ForwardedHeaders:KnownNetworks must hold networks in CIDR notation (10.0.0.0/24).")
            .ValidateOnStart();

        builder.Services.AddOptions<ForwardedHeadersOptions>().PostConfigure<Microsoft.Extensions.Options.IOptions<TrustedProxiesOptions>>((options, trusted) =>
        {
            var proxies = trusted.Value;
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
#pragma warning disable ASPDEPR005 // The obsolete list is still consulted; it must not keep its loopback default either.
            options.KnownNetworks.Clear();
#pragma warning restore ASPDEPR005
            foreach (var proxy in proxies.KnownProxies)
            {
                options.KnownProxies.Add(IPAddress.Parse(proxy));
            }

            foreach (var network in proxies.KnownNetworks)
            {
                options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }

            // Empty lists would mean "any sender" to the middleware, so with no proxy nothing is processed at all.
            options.ForwardedHeaders = options.KnownProxies.Count + options.KnownIPNetworks.Count > 0
                ? ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto
                : ForwardedHeaders.None;
        });

        return builder;
    }
}
