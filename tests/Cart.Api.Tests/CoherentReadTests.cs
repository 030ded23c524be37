using System.Net;
using AspireAuth.Cart.Api.Caching;
using AspireAuth.TestSupport;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using StackExchange.Redis;

namespace AspireAuth.Cart.Api.Tests;

/// <summary>
/// Sessions and carts are served from in-process caches; these tests hold them to what a read of
/// Redis or PostgreSQL would answer, across replicas, right after each change. Caching is on for them whatever the
/// environment says.
/// </summary>
[Collection(ShopCollection.Name)]
public sealed class CoherentReadTests(CachingShopFixture shop) : IClassFixture<CachingShopFixture>, IAsyncLifetime
{
    private static readonly WebApplicationFactoryClientOptions NoCookies = new() { HandleCookies = false };

    private ConnectionMultiplexer _admin = null!;

    public async Task InitializeAsync() =>
        _admin = await ConnectionMultiplexer.ConnectAsync(shop.Infrastructure.ConnectionStrings["redis"] + ",allowAdmin=true");

    public async Task DisposeAsync() => await _admin.DisposeAsync();

    [Fact]
    public async Task Repeated_reads_are_served_without_asking_Redis_or_PostgreSQL_again()
    {
        var shopper = shop.CreateShopper();
        await shopper.SignInAnonymouslyAsync();
        await shopper.AddAsync(productId: 3, quantity: 2);

        // Right after start the caches wait for their first round trip (and carts for a whole change lease); from then on a read is cached.
        await WaitUntilCachedAsync(shop.Cart, shopper);
        long sessionReadsBefore;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        do
        {
            sessionReadsBefore = await RedisCallsAsync("get");
            await shopper.GetCartAsync();
        }
        while (await RedisCallsAsync("get") != sessionReadsBefore && !deadline.IsCancellationRequested);

        sessionReadsBefore = await RedisCallsAsync("get");
        for (var read = 0; read < 20; read++)
        {
            Assert.Equal(2, (await shopper.GetCartAsync()).QuantityOf(3));
        }

        Assert.Equal(sessionReadsBefore, await RedisCallsAsync("get"));
        Assert.True(shop.Cart.Services.GetRequiredService<CartCache>().Count > 0, "the cart should be held in the cache");
    }

    [Fact]
    public async Task A_change_made_through_one_replica_is_read_at_once_through_another()
    {
        var replica = shop.StartCart();
        var shopper = shop.CreateShopper();
        await shopper.SignInAnonymouslyAsync();
        var throughReplica = new ShopClient(shop.Auth.CreateClient(NoCookies), replica.CreateClient(NoCookies));
        await WaitUntilCachedAsync(shop.Cart, shopper);
        await WaitUntilCachedAsync(replica, throughReplica, shopper.Token);

        for (var change = 1; change <= 25; change++)
        {
            // Both replicas hold the cart as it was before the change.
            Assert.Equal(change - 1, (await throughReplica.GetCartAsync(shopper.Token)).ItemCount);
            Assert.Equal(change - 1, (await shopper.GetCartAsync()).ItemCount);

            await shopper.AddAsync(productId: change % 12 + 1, quantity: 1);

            Assert.Equal(change, (await throughReplica.GetCartAsync(shopper.Token)).ItemCount);
        }

        using var clear = await throughReplica.SendCartAsync(HttpMethod.Delete, "/api/cart", token: shopper.Token);
        Assert.Equal(HttpStatusCode.NoContent, clear.StatusCode);
        Assert.Equal(0, (await shopper.GetCartAsync()).ItemCount);
    }

    [Fact]
    public async Task A_session_every_replica_has_used_is_refused_by_each_right_after_sign_out()
    {
        var replica = shop.StartCart();
        var throughReplica = new ShopClient(shop.Auth.CreateClient(NoCookies), replica.CreateClient(NoCookies));

        for (var shopperNumber = 0; shopperNumber < 10; shopperNumber++)
        {
            var shopper = shop.CreateShopper();
            await shopper.SignInAnonymouslyAsync();
            var token = shopper.Token!;
            for (var read = 0; read < 3; read++)
            {
                await shopper.GetCartAsync();
                await throughReplica.GetCartAsync(token);
            }

            Assert.Equal(HttpStatusCode.OK, await shopper.SignOutAsync());

            using var first = await shopper.SendCartAsync(HttpMethod.Get, "/api/cart", token: token);
            using var second = await throughReplica.SendCartAsync(HttpMethod.Get, "/api/cart", token: token);
            Assert.Equal(HttpStatusCode.Unauthorized, first.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, second.StatusCode);
        }
    }

    [Fact]
    public async Task A_change_that_cannot_commit_within_its_lease_is_not_made_and_the_cart_reads_as_before()
    {
        var shopper = shop.CreateShopper();
        await shopper.SignInAnonymouslyAsync();
        await shopper.AddAsync(productId: 4, quantity: 1);
        await WaitUntilCachedAsync(shop.Cart, shopper);

        // Another transaction holds the cart's row for longer than a lease allows.
        await using var blocker = new NpgsqlConnection(shop.Infrastructure.ConnectionStrings["cartdb"]);
        await blocker.OpenAsync();
        await using var blocking = await blocker.BeginTransactionAsync();
        await using (var lockCart = new NpgsqlCommand("SELECT 1 FROM cart WHERE user_id = $1 FOR UPDATE", blocker, blocking))
        {
            lockCart.Parameters.Add(new NpgsqlParameter { Value = shopper.UserId });
            await lockCart.ExecuteNonQueryAsync();
        }

        var change = shopper.SendCartAsync(HttpMethod.Post, "/api/cart/items", new { productId = 4, quantity = 5 });
        var pastTheLease = ShopFixture.ChangeLeaseCommitWithin + TimeSpan.FromMilliseconds(500);
        await Eventually.HoldsAsync(
            async () => await shop.QueryCartDbAsync<long>(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND now() - query_start > $1", pastTheLease) == 1,
            TimeSpan.FromSeconds(20));
        await blocking.RollbackAsync();

        using var refused = await change.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Contains("CHANGE_TIMED_OUT", await refused.Content.ReadAsStringAsync());
        Assert.Equal(1, (await shopper.GetCartAsync()).QuantityOf(4));
        Assert.Equal(1, await shop.QueryCartDbAsync<int>("SELECT quantity FROM cart_line WHERE user_id = $1 AND product_id = 4", shopper.UserId!));
        Assert.Equal(6, (await shopper.AddAsync(productId: 4, quantity: 5)).QuantityOf(4));
    }

    /// <summary>Reads the shopper's cart through <paramref name="app"/> until that replica keeps carts in its cache.</summary>
    private static async Task WaitUntilCachedAsync(WebApplicationFactory<Data.CartDbContext> app, ShopClient client, string? token = null)
    {
        var cache = app.Services.GetRequiredService<CartCache>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (cache.Count == 0)
        {
            Assert.False(deadline.IsCancellationRequested, "the replica should keep carts once it has been in sync for a change lease");
            await client.GetCartAsync(token);
        }
    }

    /// <summary>How often Redis has run <paramref name="command"/> since it started (INFO commandstats).</summary>
    private async Task<long> RedisCallsAsync(string command)
    {
        // A fresh connection's tie-breaker GET would count, so no connection is made here.
        var server = _admin.GetServer(_admin.GetEndPoints()[0]);
        var stats = (await server.InfoAsync("commandstats")).SelectMany(group => group)
            .SingleOrDefault(stat => stat.Key == $"cmdstat_{command}");
        return stats.Value is null ? 0 : long.Parse(stats.Value.Split(',')[0]["calls=".Length..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
