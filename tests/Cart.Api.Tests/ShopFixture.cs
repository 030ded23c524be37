using AspireAuth.Auth.Api.Data;
using AspireAuth.Caching;
using AspireAuth.Cart.Api.Data;
using AspireAuth.TestSupport;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using StackExchange.Redis;

namespace AspireAuth.Cart.Api.Tests;

/// <summary>
/// Real PostgreSQL and Redis of its own (so consumers of one test class never meet another's),
/// with Auth.Api and Cart.Api in-process: the outbox relay and the stream consumer run for real.
/// Caching is on or off as the environment says (<c>Caching__Enabled</c>), unless a subclass forces it.
/// </summary>
public class ShopFixture : IAsyncLifetime
{
    public const string Secret = "cart-api-tests-secret-0123456789-abcdefgh";

    public static readonly TimeSpan ChangeLeaseCommitWithin = TimeSpan.FromSeconds(4);

    private readonly List<IAsyncDisposable> _apps = [];
    private readonly bool? _cachingEnabled;

    public ShopFixture()
        : this(cachingEnabled: null)
    {
    }

    /// <param name="cachingEnabled">The <c>Caching:Enabled</c> of every app started here; null: the environment's.</param>
    protected ShopFixture(bool? cachingEnabled) => _cachingEnabled = cachingEnabled;

    public RealInfrastructure Infrastructure { get; private set; } = null!;

    public WebApplicationFactory<AuthDbContext> Auth { get; private set; } = null!;

    public WebApplicationFactory<CartDbContext> Cart { get; private set; } = null!;

    public IConnectionMultiplexer Redis { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Infrastructure = await RealInfrastructure.StartAsync("authdb", "cartdb");
        Redis = await ConnectionMultiplexer.ConnectAsync(Infrastructure.ConnectionStrings["redis"]);
        Auth = StartAuth();
        Cart = StartCart();
    }

    public async Task DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.DisposeAsync();
        }

        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }

        if (Infrastructure is not null)
        {
            await Infrastructure.DisposeAsync();
        }
    }

    public WebApplicationFactory<AuthDbContext> StartAuth(Dictionary<string, string?>? settings = null) =>
        Start(new WebApplicationFactory<AuthDbContext>(), "authdb", settings);

    /// <summary>
    /// A Cart.Api instance; its consumer claims stale entries after 1 s, its loops retry at least every second, and its cart cache starts keeping carts 8 s after
    /// it is in sync (short change leases), so that recovery and cache tests stay short.
    /// </summary>
    public WebApplicationFactory<CartDbContext> StartCart(Dictionary<string, string?>? settings = null) =>
        Start(new WebApplicationFactory<CartDbContext>(), "cartdb", new Dictionary<string, string?>
        {
            ["Messaging:Consumer:ClaimIdleTime"] = "00:00:01",
            ["Messaging:Consumer:MaxAttempts"] = "3",
            ["Hosting:ResilientLoops:MaxBackoff"] = "00:00:01",
            ["Hosting:ResilientLoops:UnhealthyAfter"] = "00:00:02",
            [$"{ChangeLeaseOptions.SectionName}:{nameof(ChangeLeaseOptions.CommitWithin)}"] = ChangeLeaseCommitWithin.ToString(),
            [$"{ChangeLeaseOptions.SectionName}:{nameof(ChangeLeaseOptions.Expiry)}"] = "00:00:08",
        }.Concat(settings ?? []).ToDictionary());

    public async Task StopAsync<T>(WebApplicationFactory<T> app) where T : class
    {
        _apps.Remove(app);
        await app.DisposeAsync();
    }

    public ShopClient CreateShopper() =>
        new(Auth.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false }),
            Cart.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false }));

    public Task<T?> QueryCartDbAsync<T>(string sql, params object[] parameters) =>
        Sql.ScalarAsync<T>(Infrastructure.ConnectionStrings["cartdb"], sql, parameters);

    public Task<T?> QueryAuthDbAsync<T>(string sql, params object[] parameters) =>
        Sql.ScalarAsync<T>(Infrastructure.ConnectionStrings["authdb"], sql, parameters);

    /// <summary>The user's cart lines as stored, by product.</summary>
    public async Task<List<(int ProductId, int Quantity)>> CartLinesOfAsync(string userId) =>
        (await Sql.RowsAsync(Infrastructure.ConnectionStrings["cartdb"],
            "SELECT product_id, quantity FROM cart_line WHERE user_id = $1 ORDER BY product_id", userId))
        .Select(row => ((int)row[0]!, (int)row[1]!))
        .ToList();

    /// <summary>Waits until Cart.Api's inbox holds the event, i.e. its effect has committed.</summary>
    public Task WaitForInboxAsync(Guid eventId) =>
        Eventually.HoldsAsync(async () =>
            await QueryCartDbAsync<long>("SELECT count(*) FROM inbox_message WHERE event_id = $1", eventId) == 1, TimeSpan.FromSeconds(10));

    private WebApplicationFactory<T> Start<T>(WebApplicationFactory<T> factory, string database, Dictionary<string, string?>? settings)
        where T : class
    {
        var configured = factory.WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Testing");
            if (_cachingEnabled is { } cachingEnabled)
            {
                web.UseSetting("Caching:Enabled", cachingEnabled ? "true" : "false");
            }

            web.UseSetting($"ConnectionStrings:{database}", Infrastructure.ConnectionStrings[database]);
            web.UseSetting("ConnectionStrings:redis", Infrastructure.ConnectionStrings["redis"]);
            web.UseSetting("Auth:Secret", Secret);
            web.UseSetting("Auth:RateLimit:Enabled", "false");
            foreach (var (key, value) in settings ?? [])
            {
                web.UseSetting(key, value);
            }
        });
        try
        {
            _ = configured.Services; // starts the host: migrations, relay and consumer run from here on
        }
        catch
        {
            configured.Dispose();
            throw;
        }

        _apps.Add(configured);
        return configured;
    }
}

/// <summary>A <see cref="ShopFixture"/> whose apps cache, whatever the environment says: for tests of the caches themselves.</summary>
public sealed class CachingShopFixture() : ShopFixture(cachingEnabled: true);

/// <summary>A <see cref="ShopFixture"/> whose apps do not cache, whatever the environment says.</summary>
public sealed class UncachedShopFixture() : ShopFixture(cachingEnabled: false);
