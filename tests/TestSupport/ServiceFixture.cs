using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace AspireAuth.TestSupport;

/// <summary>
/// Services in-process (<see cref="WebApplicationFactory{TEntryPoint}"/>) against the assembly's
/// <see cref="SharedInfrastructure"/>: the class fixture of every service test class. It empties the databases and
/// Redis before its class runs, and every app it created is disposed when the class ends.
/// </summary>
public abstract class ServiceFixture(SharedInfrastructure shared, string secret) : IAsyncLifetime
{
    /// <summary>
    /// What tests change from the services' defaults, unless the environment sets it: the suite runs under more than
    /// one environment (e.g. <c>Caching__Enabled</c> off and on), and an environment variable wins over these.
    /// </summary>
    private static readonly Dictionary<string, string> Defaults = new()
    {
        // Tests sign in many times from one address; the rate limit has tests of its own.
        ["Auth:RateLimit:Enabled"] = "false",
    };

    private readonly List<IAsyncDisposable> _apps = [];

    public RealInfrastructure Infrastructure => shared.Infrastructure;

    public virtual Task InitializeAsync() => Infrastructure.ResetAsync();

    public virtual Task DisposeAsync() => DisposeAppsAsync();

    /// <summary>
    /// A service on this fixture's infrastructure, disposed with the fixture (or by <see cref="StopAsync"/>). It gets
    /// every connection string, the shared secret, then <paramref name="settings"/>; the host starts on first use.
    /// </summary>
    public WebApplicationFactory<TEntryPoint> CreateApp<TEntryPoint>(
        IEnumerable<KeyValuePair<string, string?>>? settings = null, Action<IServiceCollection>? services = null)
        where TEntryPoint : class
    {
        var app = NewApp<TEntryPoint>(settings, services);
        _apps.Add(app);
        return app;
    }

    /// <summary>Like <see cref="CreateApp{TEntryPoint}"/>, and starts the host: migrations and background loops run from here on.</summary>
    public WebApplicationFactory<TEntryPoint> StartApp<TEntryPoint>(
        IEnumerable<KeyValuePair<string, string?>>? settings = null, Action<IServiceCollection>? services = null)
        where TEntryPoint : class
    {
        var app = CreateApp<TEntryPoint>(settings, services);
        _ = app.Services;
        return app;
    }

    /// <summary>Disposes one app now, e.g. to take a service down in the middle of a test.</summary>
    public async Task StopAsync<TEntryPoint>(WebApplicationFactory<TEntryPoint> app)
        where TEntryPoint : class
    {
        _apps.Remove(app);
        await app.DisposeAsync();
    }

    /// <summary>
    /// Disposes every app created so far. Every app holds database connections (listeners among them), so a class
    /// that creates apps per test calls this when each test ends rather than keeping them all until the class ends.
    /// </summary>
    public async Task DisposeAppsAsync()
    {
        // Taken off the list first: an app whose disposal fails is not disposed again by every later call.
        var apps = _apps.ToList();
        _apps.Clear();
        foreach (var app in apps)
        {
            await app.DisposeAsync();
        }
    }

    /// <summary>An app that the caller disposes itself (e.g. one shared by a class's tests).</summary>
    protected WebApplicationFactory<TEntryPoint> NewApp<TEntryPoint>(
        IEnumerable<KeyValuePair<string, string?>>? settings, Action<IServiceCollection>? services)
        where TEntryPoint : class =>
        new WebApplicationFactory<TEntryPoint>().WithWebHostBuilder(web =>
        {
            foreach (var (key, value) in Settings(settings))
            {
                web.UseSetting(key, value);
            }

            if (services is not null)
            {
                web.ConfigureServices(services);
            }
        });

    /// <summary>
    /// Everything an app of this fixture is configured with, in order (a later value wins): the environment
    /// <c>Testing</c>, the defaults the environment does not set, the connection strings and secret, <paramref name="settings"/>.
    /// </summary>
    public IEnumerable<KeyValuePair<string, string?>> Settings(IEnumerable<KeyValuePair<string, string?>>? settings = null)
    {
        yield return new("environment", "Testing");
        foreach (var (key, value) in Defaults.Where(setting => !SetByEnvironment(setting.Key)))
        {
            yield return new(key, value);
        }

        foreach (var (name, connectionString) in Infrastructure.ConnectionStrings)
        {
            yield return new($"ConnectionStrings:{name}", connectionString);
        }

        yield return new("Auth:Secret", secret);
        foreach (var setting in settings ?? [])
        {
            yield return setting;
        }
    }

    private static bool SetByEnvironment(string key) =>
        Environment.GetEnvironmentVariable(key.Replace(":", "__", StringComparison.Ordinal)) is not null;
}
