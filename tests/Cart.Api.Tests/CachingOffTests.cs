using System.Collections.Concurrent;
using System.Net;
using AspireAuth.Caching;
using AspireAuth.TestSupport;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AspireAuth.Cart.Api.Tests;

/// <summary>With <c>Caching:Enabled=false</c> every read asks Redis or PostgreSQL, and nothing listens or publishes on the invalidation channel.</summary>
[Collection(ShopCollection.Name)]
public sealed class CachingOffTests(UncachedShopFixture shop) : IClassFixture<UncachedShopFixture>
{
    private static readonly WebApplicationFactoryClientOptions NoCookies = new() { HandleCookies = false };
    private static readonly RedisChannel Invalidations = RedisChannel.Literal(InvalidationMessages.Channel);

    [Fact]
    public async Task Nobody_subscribes_to_the_invalidation_channel_and_no_invalidation_feed_is_checked()
    {
        var replica = shop.StartCart();

        var subscribers = await shop.Redis.GetDatabase().ExecuteAsync("PUBSUB", "NUMSUB", InvalidationMessages.Channel);
        Assert.Equal(0, (long)((RedisResult[])subscribers!)[1]);
        foreach (var services in new[] { shop.Auth.Services, shop.Cart.Services, replica.Services })
        {
            Assert.Null(services.GetService<InvalidationFeed>());
            var checks = services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations.Select(check => check.Name);
            Assert.DoesNotContain(InvalidationFeedHealthCheck.Name, checks);
        }
    }

    [Fact]
    public async Task Changes_and_sign_outs_are_read_at_once_by_every_replica_and_nothing_is_published()
    {
        var replica = shop.StartCart();
        var published = new ConcurrentQueue<string>();
        var subscriber = shop.Redis.GetSubscriber();
        await subscriber.SubscribeAsync(Invalidations, (_, message) => published.Enqueue(message.ToString()));
        try
        {
            var shopper = shop.CreateShopper();
            await shopper.SignInAnonymouslyAsync();
            var throughReplica = new ShopClient(shop.Auth.CreateClient(NoCookies), replica.CreateClient(NoCookies));
            for (var change = 1; change <= 5; change++)
            {
                Assert.Equal(change - 1, (await throughReplica.GetCartAsync(shopper.Token)).ItemCount);
                await shopper.AddAsync(productId: change, quantity: 1);
                Assert.Equal(change, (await throughReplica.GetCartAsync(shopper.Token)).ItemCount);
                Assert.Equal(change, (await shopper.GetCartAsync()).ItemCount);
            }

            // Linking: the guest's sessions are revoked (Auth.Api) and the cart is taken over (Cart.Api's inbox).
            var guestToken = shopper.Token!;
            await shopper.SignUpAsync($"off-{Guid.NewGuid():N}@example.com");
            await shopper.WaitForCartAsync(cart => cart.ItemCount == 5, TimeSpan.FromSeconds(10));
            using (var asGuest = await throughReplica.SendCartAsync(HttpMethod.Get, "/api/cart", token: guestToken))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, asGuest.StatusCode);
            }

            var token = shopper.Token!;
            Assert.Equal(5, (await throughReplica.GetCartAsync(token)).ItemCount);
            Assert.Equal(HttpStatusCode.OK, await shopper.SignOutAsync());
            using var first = await shopper.SendCartAsync(HttpMethod.Get, "/api/cart", token: token);
            using var second = await throughReplica.SendCartAsync(HttpMethod.Get, "/api/cart", token: token);
            Assert.Equal(HttpStatusCode.Unauthorized, first.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, second.StatusCode);

            // Redis delivers a channel's messages in order: once our marker is here, anything published before it is too.
            var marker = $"marker-{Guid.NewGuid():N}";
            await subscriber.PublishAsync(Invalidations, marker);
            await Eventually.HoldsAsync(() => Task.FromResult(published.Contains(marker)), TimeSpan.FromSeconds(10));
            Assert.Equal([marker], published.ToArray());
        }
        finally
        {
            await subscriber.UnsubscribeAsync(Invalidations);
        }
    }
}
