using AspireAuth.Cart.Api.Data;
using AspireAuth.EventBus;
using AspireAuth.ServiceDefaults.Hosting;
using AspireAuth.SessionValidation;
using AspireAuth.TestSupport;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace AspireAuth.Cart.Api.Tests;

/// <summary>PostgreSQL of cartdb down while link events arrive: nothing is dead-lettered, and all is applied once it is back.</summary>
[Collection(ShopCollection.Name)]
public sealed class DatabaseOutageTests(ShopFixture shop) : IClassFixture<ShopFixture>
{
    private const int Guests = 6;

    [Fact]
    public async Task A_postgres_outage_dead_letters_nothing_and_every_link_is_applied_once_when_it_is_back()
    {
        // Short connect and command timeouts: against a stopped server each attempt fails in seconds, not in 15 s.
        await shop.StopAsync(shop.Cart);
        var cart = shop.StartCart(new()
        {
            ["ConnectionStrings:cartdb"] = shop.Infrastructure.ConnectionStrings["cartdb"] + ";Timeout=2;Command Timeout=5",
        });
        var links = new List<(string GuestId, string AccountId, int ProductId, int Quantity)>();
        for (var i = 0; i < Guests; i++)
        {
            var guest = new ShopClient(shop.Auth.CreateClient(), cart.CreateClient());
            var guestId = await guest.SignInAnonymouslyAsync();
            await guest.AddAsync(1 + i, 1 + i);
            links.Add((guestId, SecureToken.New(), 1 + i, 1 + i));
        }

        // Auth.Api shares the PostgreSQL server; its relay is not under test here, the events are appended as it would.
        await shop.StopAsync(shop.Auth);
        var database = shop.Redis.GetDatabase();
        var lifetime = cart.Services.GetRequiredService<IHostApplicationLifetime>();
        using var failures = new BackgroundFailures("event-stream-consumer");
        var eventIds = new List<Guid>();
        await shop.Infrastructure.StopServerAsync("postgres");
        try
        {
            foreach (var (guestId, accountId, _, _) in links)
            {
                eventIds.Add(await LinkEvents.PublishAsync(shop.Redis, guestId, accountId));
            }

            // More failed rounds than MaxAttempts (3 here): had the outage counted against the entries, they would be dead
            // letters by now.
            await Eventually.HoldsAsync(() => Task.FromResult(failures.Count >= 5), TimeSpan.FromSeconds(60));
            Assert.NotEqual(HealthStatus.Healthy, await LoopHealthAsync(cart));
            using (var health = await cart.CreateClient().GetAsync("/health"))
            {
                Assert.NotEqual("Healthy", await health.Content.ReadAsStringAsync());
            }

            Assert.Equal(0, await database.StreamLengthAsync(EventStream.DeadLetterKey));
            Assert.Equal(0, await database.HashLengthAsync("aspireauth:events:failures:cart-api"));
            Assert.False(lifetime.ApplicationStopping.IsCancellationRequested, "Cart.Api stopped");
        }
        finally
        {
            await shop.Infrastructure.StartServerAsync("postgres");
        }

        foreach (var (_, accountId, productId, quantity) in links)
        {
            await Eventually.HoldsAsync(async () => await shop.QueryCartDbAsync<int>(
                "SELECT quantity FROM cart_line WHERE user_id = $1 AND product_id = $2", accountId, productId) == quantity, TimeSpan.FromSeconds(30));
        }

        await Eventually.HoldsAsync(async () => await LoopHealthAsync(cart) == HealthStatus.Healthy, TimeSpan.FromSeconds(10));
        await Eventually.HoldsAsync(async () =>
        {
            using var health = await cart.CreateClient().GetAsync("/health");
            return await health.Content.ReadAsStringAsync() == "Healthy";
        }, TimeSpan.FromSeconds(30));
        foreach (var eventId in eventIds)
        {
            Assert.Equal(1L, await shop.QueryCartDbAsync<long>("SELECT count(*) FROM inbox_message WHERE event_id = $1", eventId));
        }

        foreach (var (guestId, accountId, _, _) in links)
        {
            Assert.Equal(0L, await shop.QueryCartDbAsync<long>("SELECT count(*) FROM cart_line WHERE user_id = $1", guestId));
            Assert.Equal(1L, await shop.QueryCartDbAsync<long>("SELECT count(*) FROM cart_line WHERE user_id = $1", accountId));
        }

        Assert.Equal(0, await database.StreamLengthAsync(EventStream.DeadLetterKey));
        Assert.Equal(0, (await database.StreamPendingAsync(EventStream.Key, "cart-api")).PendingMessageCount);
        Assert.False(lifetime.ApplicationStopping.IsCancellationRequested, "Cart.Api stopped");
    }

    private static async Task<HealthStatus> LoopHealthAsync(WebApplicationFactory<CartDbContext> cart) =>
        (await cart.Services.GetRequiredService<HealthCheckService>()
            .CheckHealthAsync(check => check.Name == ResilientLoops.HealthCheckName)).Status;
}
