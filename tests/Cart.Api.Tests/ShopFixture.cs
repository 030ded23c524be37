using AspireAuth.Auth.Api.Data;
using AspireAuth.Caching;
using AspireAuth.Cart.Api.Data;
using AspireAuth.TestSupport;
using Microsoft.AspNetCore.Mvc.Testing;
using StackExchange.Redis;

namespace AspireAuth.Cart.Api.Tests;

/// <summary>
/// Auth.Api and Cart.Api in-process for one test class, on the assembly's real PostgreSQL and Redis, empty when the
/// class starts (so the consumers of one test class never meet another's events): the outbox relay and the stream consumer run for real.
/// Caching is on or off as the environment says (<c>Caching__Enabled</c>), unless a subclass forces it.
/// </summary>
public class ShopFixture : ServiceFixture
{
    public const string Secret = "cart-api-tests-secret-0123456789-abcdefgh";

    public static readonly TimeSpan ChangeLeaseCommitWithin = TimeSpan.FromSeconds(4);

    private readonly bool? _cachingEnabled;

    public ShopFixture(ShopInfrastructure infrastructure)
        : this(infrastructure, cachingEnabled: null)
    {
    }

    /// <param name="infrastructure">The assembly's PostgreSQL and Redis.</param>
    /// <param name="cachingEnabled">The <c>Caching:Enabled</c> of every app started here; null: the environment's.</param>
    protected ShopFixture(ShopInfrastructure infrastructure, bool? cachingEnabled)
        : base(infrastructure, Secret) => _cachingEnabled = cachingEnabled;

    public WebApplicationFactory<AuthDbContext> Auth { get; private set; } = null!;

    public WebApplicationFactory<CartDbContext> Cart { get; private set; } = null!;

    public IConnectionMultiplexer Redis { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Redis = await ConnectionMultiplexer.ConnectAsync(Infrastructure.ConnectionStrings["redis"]);
        Auth = StartAuth();
        Cart = StartCart();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }
    }

    public WebApplicationFactory<AuthDbContext> StartAuth(Dictionary<string, string?>? settings = null) => StartApp<AuthDbContext>(Forced(settings));

    /// <summary>
    /// A Cart.Api instance; its consumer claims stale entries after 1 s, its loops retry at least every second, and its cart cache starts keeping carts 8 s after
    /// it is in sync (short change leases), so that recovery and cache tests stay short.
    /// </summary>
    public WebApplicationFactory<CartDbContext> StartCart(Dictionary<string, string?>? settings = null) =>
        StartApp<CartDbContext>(new Dictionary<string, string?>
        {
            ["Messaging:Consumer:ClaimIdleTime"] = "00:00:01",
            ["Messaging:Consumer:MaxAttempts"] = "3",
            ["Hosting:ResilientLoops:MaxBackoff"] = "00:00:01",
            ["Hosting:ResilientLoops:UnhealthyAfter"] = "00:00:02",
            [$"{ChangeLeaseOptions.SectionName}:{nameof(ChangeLeaseOptions.CommitWithin)}"] = ChangeLeaseCommitWithin.ToString(),
            [$"{ChangeLeaseOptions.SectionName}:{nameof(ChangeLeaseOptions.Expiry)}"] = "00:00:08",
        }.Concat(Forced(settings)));

    /// <summary>The test's settings, after this fixture's forced <c>Caching:Enabled</c> if it has one.</summary>
    private IEnumerable<KeyValuePair<string, string?>> Forced(Dictionary<string, string?>? settings) =>
        (_cachingEnabled is { } enabled ? [new("Caching:Enabled", enabled ? "true" : "false")] : Array.Empty<KeyValuePair<string, string?>>())
            .Concat(settings ?? []);

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
}

/// <summary>The real PostgreSQL and Redis of this assembly, one for all its test classes.</summary>
public sealed class ShopInfrastructure() : SharedInfrastructure("authdb", "cartdb");

/// <summary>Every test class of the assembly: one infrastructure, used by one class at a time, each with its own <see cref="ShopFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class ShopCollection : ICollectionFixture<ShopInfrastructure>
{
    public const string Name = "Shop";
}

/// <summary>A <see cref="ShopFixture"/> whose apps cache, whatever the environment says: for tests of the caches themselves.</summary>
public sealed class CachingShopFixture(ShopInfrastructure infrastructure) : ShopFixture(infrastructure, cachingEnabled: true);

/// <summary>A <see cref="ShopFixture"/> whose apps do not cache, whatever the environment says.</summary>
public sealed class UncachedShopFixture(ShopInfrastructure infrastructure) : ShopFixture(infrastructure, cachingEnabled: false);
