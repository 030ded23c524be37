using AspireAuth.Caching;
using AspireAuth.ServiceDefaults.Hosting;
using AspireAuth.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AspireAuth.Cart.Api.Tests;

/// <summary>
/// Services with and without caching never run together on one Redis: one that caches sessions while Auth.Api does not
/// publish their changes would serve revoked sessions.
/// </summary>
[Collection(ShopCollection.Name)]
public sealed class CachingModeGuardTests(UncachedShopFixture shop) : IClassFixture<UncachedShopFixture>
{
    private static readonly Dictionary<string, string?> CachingOn = new() { ["Caching:Enabled"] = "true" };
    private static readonly Dictionary<string, string?> CachingOff = new() { ["Caching:Enabled"] = "false" };

    [Fact]
    public async Task A_service_whose_caching_differs_from_a_live_one_does_not_start_and_starts_once_the_others_are_gone()
    {
        // Auth.Api and Cart.Api of the fixture run without caching.
        AssertRefusedToStart(() => shop.StartCart(CachingOn));
        AssertRefusedToStart(() => shop.StartAuth(CachingOn));
        Assert.Equal(0, await shop.Redis.GetDatabase().SortedSetLengthAsync(CachingModeGuard.KeyOf(cachingEnabled: true)));
        Assert.Equal(2, await shop.Redis.GetDatabase().SortedSetLengthAsync(CachingModeGuard.KeyOf(cachingEnabled: false)));

        // Stopped instances take their records with them: the other mode may start at once.
        await shop.StopAsync(shop.Cart);
        await shop.StopAsync(shop.Auth);
        Assert.Equal(0, await shop.Redis.GetDatabase().SortedSetLengthAsync(CachingModeGuard.KeyOf(cachingEnabled: false)));
        var cached = shop.StartCart(CachingOn);
        AssertRefusedToStart(() => shop.StartAuth(CachingOff));

        // Should an instance of the other mode appear anyway (its record had lapsed while it was cut off from Redis),
        // the caching instance stops trusting its caches at its next refresh, and trusts them again once it is gone.
        var feed = cached.Services.GetRequiredService<InvalidationFeed>();
        await Eventually.HoldsAsync(feed.SyncAsync, TimeSpan.FromSeconds(20));
        var intruder = Guid.NewGuid().ToString("N");
        var anHourAhead = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds();
        await shop.Redis.GetDatabase().SortedSetAddAsync(CachingModeGuard.KeyOf(cachingEnabled: false), intruder, anHourAhead);
        await Eventually.HoldsAsync(async () => !await feed.SyncAsync() && await LoopsStatusAsync(cached.Services) != HealthStatus.Healthy, TimeSpan.FromSeconds(30));

        await shop.Redis.GetDatabase().SortedSetRemoveAsync(CachingModeGuard.KeyOf(cachingEnabled: false), intruder);
        await Eventually.HoldsAsync(async () => await feed.SyncAsync() && await LoopsStatusAsync(cached.Services) == HealthStatus.Healthy, TimeSpan.FromSeconds(30));
    }

    private static void AssertRefusedToStart(Action start)
    {
        var refused = Record.Exception(start);
        Assert.NotNull(refused);
        var messages = Chain(refused).Select(exception => exception.Message);
        Assert.Contains(messages, message => message.Contains("must use the same Caching:Enabled", StringComparison.Ordinal));
    }

    private static IEnumerable<Exception> Chain(Exception exception) =>
        exception is AggregateException aggregate
            ? [aggregate, .. aggregate.InnerExceptions.SelectMany(Chain)]
            : exception.InnerException is { } inner ? [exception, .. Chain(inner)] : [exception];

    private static async Task<HealthStatus> LoopsStatusAsync(IServiceProvider services) =>
        (await services.GetRequiredService<ResilientLoops>().CheckHealthAsync(new HealthCheckContext())).Status;
}
