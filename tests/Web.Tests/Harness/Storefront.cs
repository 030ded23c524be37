using System.Net;
using System.Net.Sockets;
using AspireAuth.Web.Pages;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Time.Testing;

namespace AspireAuth.Web.Tests.Harness;

/// <summary>
/// The Web app in memory, its backends at <see cref="StubBackend"/> (or at a closed port: down).
/// Browser requests come from <see cref="BrowserAddress"/>.
/// </summary>
public sealed class Storefront(Uri authApi, Uri cartApi) : WebApplicationFactory<IndexModel>
{
    public static readonly IPAddress BrowserAddress = IPAddress.Parse("203.0.113.7");

    public const string BrowserUserAgent = "StorefrontTests/1.0";

    /// <summary>Web:PublicOrigin, as the AppHost sets it from Web's endpoint.</summary>
    public const string PublicOrigin = "http://localhost:5100";

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.Parse("2026-11-29T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Configuration on top of the defaults, e.g. <c>ForwardedHeaders:KnownProxies:0</c>.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    public static Storefront Over(StubBackend backend) => new(backend.Address, backend.Address);

    /// <summary>A storefront whose backends do not answer: their address is a port nothing listens on.</summary>
    public static Storefront WithBackendsDown() => new(ClosedPort(), ClosedPort());

    /// <summary>The address of a backend that is down: a loopback port nothing listens on.</summary>
    public static Uri ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}");
    }

    /// <summary>A browser; <paramref name="storeAddress"/> is where it opened the store (its requests' Host), <c>http://localhost</c> unless given.</summary>
    public HttpClient CreateBrowser(Uri? storeAddress = null)
    {
        var options = new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true };
        if (storeAddress is not null)
        {
            options.BaseAddress = storeAddress;
        }

        var client = CreateClient(options);
        client.DefaultRequestHeaders.UserAgent.ParseAdd(BrowserUserAgent);
        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("services:auth-api:http:0", authApi.ToString());
        builder.UseSetting("services:cart-api:http:0", cartApi.ToString());
        builder.UseSetting("Web:PublicOrigin", PublicOrigin);
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(Time);
            // First of all startup filters, as a real socket's peer would be: before ASP.NET Core's own
            // forwarded-headers middleware (ForwardedHeaders_Enabled) could read or replace it.
            services.Insert(0, ServiceDescriptor.Singleton<IStartupFilter, BrowserAddressStartupFilter>());
            // One quick retry: a backend that is down fails the page in milliseconds, not after the production back-off.
            services.ConfigureAll<HttpStandardResilienceOptions>(options =>
            {
                options.Retry.MaxRetryAttempts = 1;
                options.Retry.Delay = TimeSpan.Zero;
            });
        });
    }

    private sealed class BrowserAddressStartupFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                context.Connection.RemoteIpAddress = BrowserAddress;
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
