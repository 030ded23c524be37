using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AspireAuth.SessionValidation;
using AspireAuth.TestSupport;

namespace AspireAuth.Cart.Api.Tests;

/// <summary>
/// A guest's write racing the takeover of their cart (their session still valid for a moment) either lands in the
/// account's cart or is refused with GUEST_ALREADY_LINKED; it never lands in the deleted guest cart.
/// </summary>
[Collection(ShopCollection.Name)]
public sealed class GuestTakeoverRaceTests(ShopFixture shop) : IClassFixture<ShopFixture>
{
    [Fact]
    public async Task Every_write_after_the_takeover_is_refused_with_a_clear_error()
    {
        var guest = shop.CreateShopper();
        var guestId = await guest.SignInAnonymouslyAsync();
        await guest.AddAsync(3, 2);
        var accountId = SecureToken.New();

        await shop.WaitForInboxAsync(await LinkEvents.PublishAsync(shop.Redis, guestId, accountId));

        using (var add = await guest.SendCartAsync(HttpMethod.Post, "/api/cart/items", new { productId = 4, quantity = 1 }))
        {
            await AssertRefusedAsync(add);
        }

        using (var set = await guest.SendCartAsync(HttpMethod.Put, "/api/cart/items/3", new { quantity = 5 }))
        {
            await AssertRefusedAsync(set);
        }

        using (var remove = await guest.SendCartAsync(HttpMethod.Delete, "/api/cart/items/3"))
        {
            await AssertRefusedAsync(remove);
        }

        using (var clear = await guest.SendCartAsync(HttpMethod.Delete, "/api/cart"))
        {
            await AssertRefusedAsync(clear);
        }

        Assert.Equal([(3, 2)], await shop.CartLinesOfAsync(accountId));
        Assert.Equal(0L, await shop.QueryCartDbAsync<long>("SELECT count(*) FROM cart WHERE user_id = $1", guestId));
    }

    [Fact]
    public async Task Writes_racing_the_takeover_land_in_the_account_cart_or_are_refused_and_none_is_lost()
    {
        const int Writers = 8;
        var guest = shop.CreateShopper();
        var guestId = await guest.SignInAnonymouslyAsync();
        var accountId = SecureToken.New();
        var landed = new ConcurrentDictionary<int, int>();
        var unexpected = new ConcurrentBag<string>();
        var accepted = 0;
        var refused = 0;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var writers = Enumerable.Range(0, Writers).Select(writer => Task.Run(async () =>
        {
            for (var n = 0; !deadline.IsCancellationRequested; n++)
            {
                var productId = 1 + ((writer + n) % 12);
                using var response = await guest.SendCartAsync(HttpMethod.Post, "/api/cart/items", new { productId, quantity = 1 });
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    landed.AddOrUpdate(productId, 1, (_, count) => count + 1);
                    Interlocked.Increment(ref accepted);
                    continue;
                }

                var body = await response.Content.ReadAsStringAsync();
                if (response.StatusCode == HttpStatusCode.Unauthorized && body.Contains("\"GUEST_ALREADY_LINKED\"", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref refused);
                }
                else
                {
                    unexpected.Add($"{(int)response.StatusCode} {body}");
                }

                return;
            }
        })).ToArray();

        await Eventually.HoldsAsync(() => Task.FromResult(Volatile.Read(ref accepted) >= 3 * Writers), TimeSpan.FromSeconds(10));
        var eventId = await LinkEvents.PublishAsync(shop.Redis, guestId, accountId);
        await Task.WhenAll(writers).WaitAsync(TimeSpan.FromSeconds(30));
        await shop.WaitForInboxAsync(eventId);

        Assert.Empty(unexpected);
        Assert.Equal(Writers, refused);
        var expected = landed.Select(pair => (pair.Key, Math.Min(99, pair.Value))).OrderBy(line => line.Key).ToList();
        Assert.Equal(expected, await shop.CartLinesOfAsync(accountId));
        Assert.Equal(0L, await shop.QueryCartDbAsync<long>("SELECT count(*) FROM cart WHERE user_id = $1", guestId));
        Assert.Equal(0L, await shop.QueryCartDbAsync<long>("SELECT count(*) FROM cart_line WHERE user_id = $1", guestId));
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("GUEST_ALREADY_LINKED", error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
    }

}
