using AspireAuth.EventBus;
using AspireAuth.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace AspireAuth.Cart.Api.Tests;

/// <summary>The stream stays bounded, but never loses an entry a consumer group has not acknowledged.</summary>
[Collection(ShopCollection.Name)]
public sealed class StreamTrimTests(ShopFixture shop) : IClassFixture<ShopFixture>
{
    [Fact]
    public async Task Trimming_drops_consumed_entries_and_keeps_unconsumed_ones()
    {
        var consumed = shop.CreateShopper();
        await consumed.SignInAnonymouslyAsync();
        await consumed.AddAsync(1, 1);
        await consumed.SignUpAsync($"trim-a+{Guid.NewGuid():N}@example.com");
        await consumed.WaitForCartAsync(cart => cart.QuantityOf(1) == 1, TimeSpan.FromSeconds(2));

        var waiting = shop.CreateShopper();
        var waitingGuest = await waiting.SignInAnonymouslyAsync();
        await waiting.AddAsync(2, 1);
        await shop.StopAsync(shop.Cart);
        await waiting.SignUpAsync($"trim-b+{Guid.NewGuid():N}@example.com");
        var database = shop.Redis.GetDatabase();
        await Eventually.HoldsAsync(async () => (await EntriesAsync(database)).Any(e => Mentions(e, waitingGuest)), TimeSpan.FromSeconds(5));

        await shop.Auth.Services.GetRequiredService<EventStreamPublisher>().TrimConsumedAsync();

        var remaining = await EntriesAsync(database);
        Assert.Single(remaining, entry => Mentions(entry, waitingGuest));
        Assert.DoesNotContain(remaining, entry => Mentions(entry, consumed.UserId!));
        var cart = shop.StartCart();
        var client = new ShopClient(shop.Auth.CreateClient(), cart.CreateClient());
        await Eventually.HoldsAsync(async () => (await client.GetCartAsync(waiting.Token)).QuantityOf(2) == 1, TimeSpan.FromSeconds(5));
    }

    private static async Task<StreamEntry[]> EntriesAsync(IDatabase database) => await database.StreamRangeAsync(EventStream.Key);

    private static bool Mentions(StreamEntry entry, string userId) =>
        entry[EventStream.Fields.Payload].ToString().Contains(userId, StringComparison.Ordinal);
}
