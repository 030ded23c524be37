using System.Net;
using AspireAuth.Auth.Api.Data;
using AspireAuth.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace AspireAuth.Auth.Api.Tests;

/// <summary>Auth.Api in-process for one test class, on the assembly's real PostgreSQL and Redis (empty when the class starts).</summary>
public sealed class AuthApiFixture(AuthInfrastructure infrastructure) : ServiceFixture(infrastructure, Secret)
{
    public const string Secret = "auth-api-tests-secret-0123456789-abcdefgh";

    private WebApplicationFactory<AuthDbContext>? _sharedApp;

    public string AuthDb => Infrastructure.ConnectionStrings["authdb"];

    /// <summary>
    /// An Auth.Api instance with the default settings that lives as long as the class, for
    /// tests that need nothing special: starting an app costs more than most tests do.
    /// </summary>
    public WebApplicationFactory<AuthDbContext> SharedApp => _sharedApp ??= NewApp<AuthDbContext>(settings: null, services: null);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_sharedApp is not null)
        {
            await _sharedApp.DisposeAsync();
        }
    }

    /// <summary>
    /// An Auth.Api instance (rate limiting off unless <paramref name="settings"/> or the environment turn it on). Its
    /// <c>DbContext</c> names the app: <c>Program</c> is ambiguous next to the AppHost's.
    /// </summary>
    public WebApplicationFactory<AuthDbContext> CreateApp(Dictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null) =>
        CreateApp<AuthDbContext>(settings, services);

    /// <summary>
    /// Starts (and stops) Auth.Api's host composed as Program.cs composes it, with the settings <see cref="CreateApp"/>
    /// gives: what stops a start is thrown here. A failed start of a <see cref="WebApplicationFactory{TEntryPoint}"/>
    /// races the disposal of its deferred host and may throw <see cref="ObjectDisposedException"/> instead.
    /// </summary>
    public async Task StartHostAsync(Dictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(Settings(settings));
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddServiceDefaults();
        builder.AddApplicationServices();
        services?.Invoke(builder.Services);
        await using var app = builder.Build();
        await app.StartAsync();
        await app.StopAsync();
    }

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

/// <summary>The real PostgreSQL and Redis of this assembly, one for all its test classes.</summary>
public sealed class AuthInfrastructure() : SharedInfrastructure("authdb");

/// <summary>Every test class of the assembly: one infrastructure, used by one class at a time, each with its own <see cref="AuthApiFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class AuthApiCollection : ICollectionFixture<AuthInfrastructure>
{
    public const string Name = "AuthApi";
}
