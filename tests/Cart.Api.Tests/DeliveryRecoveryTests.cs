using AspireAuth.EventBus;
using AspireAuth.TestSupport;
using StackExchange.Redis;

namespace AspireAuth.Cart.Api.Tests;

/// <summary>Cart.Api down while guests sign up: nothing is lost, no cart is taken over twice.</summary>
[Collection(ShopCollection.Name)]
public sealed class CartApiDowntimeTests(ShopFixture shop) : IClassFixture<ShopFixture>
{
    private const int Guests = 50;

    [Fact]
    public async Task Every_guest_cart_is_taken_over_once_after_cart_api_comes_back()
    {
        var shoppers = new List<ShopClient>();
        for (var i = 0; i < Guests; i++)
        {
            var shopper = shop.CreateShopper();
            await shopper.SignInAnonymouslyAsync();
            await shopper.AddAsync(1 + (i % 12), 1 + (i % 3));
            shoppers.Add(shopper);
        }

        await shop.StopAsync(shop.Cart);
        for (var i = 0; i < Guests; i++)
        {
            await shoppers[i].SignUpAsync($"downtime+{i}+{Guid.NewGuid():N}@example.com");
        }

        await Eventually.HoldsAsync(async () =>
            await shop.QueryAuthDbAsync<long>("SELECT count(*) FROM outbox_message WHERE published_at IS NULL") == 0, TimeSpan.FromSeconds(10));
        var cart = shop.StartCart();
        var client = new ShopClient(shop.Auth.CreateClient(), cart.CreateClient());

        for (var i = 0; i < Guests; i++)
        {
            var (productId, quantity) = (1 + (i % 12), 1 + (i % 3));
            var merged = await WaitForCartOfAsync(client, shoppers[i].Token!, view => view.QuantityOf(productId) == quantity);
            Assert.Single(merged.Lines);
        }

        Assert.Equal(Guests, await shop.QueryCartDbAsync<long>("SELECT count(*) FROM inbox_message WHERE consumer = 'cart-merge'"));
        Assert.Equal(0, (await shop.Redis.GetDatabase().StreamPendingAsync(EventStream.Key, "cart-api")).PendingMessageCount);
    }

    private static async Task<CartView> WaitForCartOfAsync(ShopClient client, string token, Func<CartView, bool> condition)
    {
        CartView? last = null;
        await Eventually.HoldsAsync(async () => condition(last = await client.GetCartAsync(token)), TimeSpan.FromSeconds(15));
        return last!;
    }
}

/// <summary>A consumer that read an entry and died before acknowledging it: another consumer finishes the job, once.</summary>
[Collection(ShopCollection.Name)]
public sealed class DeadConsumerTests(ShopFixture shop) : IClassFixture<ShopFixture>
{
    [Fact]
    public async Task An_entry_read_by_a_dead_consumer_is_claimed_and_taken_over_once()
    {
        var shopper = shop.CreateShopper();
        var guestId = await shopper.SignInAnonymouslyAsync();
        await shopper.AddAsync(11, 4);
        await shop.StopAsync(shop.Cart);

        await shopper.SignUpAsync($"dead-consumer+{Guid.NewGuid():N}@example.com");
        var database = shop.Redis.GetDatabase();
        StreamEntry[] stolen = [];
        await Eventually.HoldsAsync(async () =>
        {
            stolen = await database.StreamReadGroupAsync(EventStream.Key, "cart-api", "consumer-that-dies", ">", count: 10);
            return stolen.Any(entry => entry[EventStream.Fields.Payload].ToString().Contains(guestId, StringComparison.Ordinal));
        }, TimeSpan.FromSeconds(5));
        var pendingBefore = await database.StreamPendingMessagesAsync(EventStream.Key, "cart-api", 10, "consumer-that-dies");
        Assert.NotEmpty(pendingBefore);

        var cart = shop.StartCart();
        var client = new ShopClient(shop.Auth.CreateClient(), cart.CreateClient());
        await Eventually.HoldsAsync(async () => (await client.GetCartAsync(shopper.Token)).QuantityOf(11) == 4, TimeSpan.FromSeconds(10));
        await Eventually.HoldsAsync(async () =>
            (await database.StreamPendingAsync(EventStream.Key, "cart-api")).PendingMessageCount == 0, TimeSpan.FromSeconds(5));

        Assert.Equal(4, (await client.GetCartAsync(shopper.Token)).QuantityOf(11));
        Assert.Equal(1L, await shop.QueryCartDbAsync<long>("SELECT count(*) FROM inbox_message WHERE consumer = 'cart-merge'"));
    }
}
