using System.Net;
using AspireAuth.Auth.Api.Data;
using AspireAuth.TestSupport;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AspireAuth.Auth.Api.Tests;

/// <summary>Real PostgreSQL and Redis for the collection; each test gets Auth.Api in-process against them.</summary>
public sealed class AuthApiFixture : IAsyncLifetime
{
    public const string Secret = "auth-api-tests-secret-0123456789-abcdefgh";

    private readonly List<IAsyncDisposable> _factories = [];
    private WebApplicationFactory<AuthDbContext>? _sharedApp;

    public RealInfrastructure Infrastructure { get; private set; } = null!;

    public string AuthDb => Infrastructure.ConnectionStrings["authdb"];

    public async Task InitializeAsync() => Infrastructure = await RealInfrastructure.StartAsync("authdb");

    /// <summary>
    /// An Auth.Api instance with the default settings that lives as long as the collection, for
    /// tests that need nothing special: starting an app costs more than most tests do.
    /// </summary>
    public WebApplicationFactory<AuthDbContext> SharedApp => _sharedApp ??= NewApp(settings: null, services: null);

    public async Task DisposeAsync()
    {
        await DisposeAppsAsync();
        if (_sharedApp is not null)
        {
            await _sharedApp.DisposeAsync();
        }

        if (Infrastructure is not null)
        {
            await Infrastructure.DisposeAsync();
        }
    }

    /// <summary>
    /// Ends every app created so far. Tests of the collection run one at a time, so each test class
    /// calls this when a test ends: every app holds database connections (the outbox relay's
    /// listener among them), and a collection's worth of live apps would exhaust the pool.
    /// </summary>
    public async Task DisposeAppsAsync()
    {
        // Taken off the list first: an app whose disposal fails is not disposed again by every later test.
        var factories = _factories.ToList();
        _factories.Clear();
        foreach (var factory in factories)
        {
            await factory.DisposeAsync();
        }
    }

    /// <summary>
    /// An Auth.Api instance (rate limiting off unless <paramref name="settings"/> turn it on). Its
    /// <c>DbContext</c> names the app: <c>Program</c> is ambiguous next to the AppHost's.
    /// </summary>
    public WebApplicationFactory<AuthDbContext> CreateApp(Dictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var factory = NewApp(settings, services);
        _factories.Add(factory);
        return factory;
    }

    private WebApplicationFactory<AuthDbContext> NewApp(Dictionary<string, string?>? settings, Action<IServiceCollection>? services) =>
        new WebApplicationFactory<AuthDbContext>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Testing");
            web.UseSetting("ConnectionStrings:authdb", AuthDb);
            web.UseSetting("ConnectionStrings:redis", Infrastructure.ConnectionStrings["redis"]);
            web.UseSetting("Auth:Secret", Secret);
            web.UseSetting("Auth:RateLimit:Enabled", "false");
            foreach (var (key, value) in settings ?? [])
            {
                web.UseSetting(key, value);
            }

            if (services is not null)
            {
                web.ConfigureServices(services);
            }
        });

    public AuthHttp CreateClient(WebApplicationFactory<AuthDbContext> app) =>
        new(app.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false, AllowAutoRedirect = false }));

    /// <summary>
    /// Serves <paramref name="app"/> with Kestrel on a free loopback port, for callers TestServer
    /// cannot reach (another process) or where only a real server shows the answer (a 500).
    /// </summary>
    public static Uri ServeOnLoopback(WebApplicationFactory<AuthDbContext> app)
    {
        app.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        app.StartServer();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        return new Uri(Assert.Single(addresses));
    }

    /// <summary>A browser-like client of an app served by <see cref="ServeOnLoopback"/>, sending that server's own origin.</summary>
    public AuthHttp CreateLoopbackClient(WebApplicationFactory<AuthDbContext> app, Uri baseAddress)
    {
        var http = app.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false, AllowAutoRedirect = false, BaseAddress = baseAddress });
        return new AuthHttp(http) { Origin = baseAddress.GetLeftPart(UriPartial.Authority) };
    }

    public Task<T?> QueryScalarAsync<T>(string sql, params object[] parameters) => Sql.ScalarAsync<T>(AuthDb, sql, parameters);

    public Task ExecuteAsync(string sql, params object[] parameters) => Sql.ExecuteAsync(AuthDb, sql, parameters);
}

[CollectionDefinition(Name)]
public sealed class AuthApiCollection : ICollectionFixture<AuthApiFixture>
{
    public const string Name = "AuthApi";
}
