using AspireAuth.Caching;
using AspireAuth.ServiceDefaults.Hosting;
using StackExchange.Redis;

namespace AspireAuth.Cart.Api.Caching;

/// <summary>
/// Cached carts carry product names and prices, and the catalog changes only through migrations,
/// which run as a replica starts: so once they have run, every replica drops its cached carts.
/// Registered after the migration, so it runs after it; waits for Redis if it is down.
/// </summary>
internal sealed class CatalogChangeAnnouncement(IConnectionMultiplexer redis, ResilientLoops loops) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        loops.RetryUntilDoneAsync("catalog-change-announcement", async _ =>
            await redis.GetSubscriber().PublishAsync(
                RedisChannel.Literal(InvalidationMessages.Channel),
                InvalidationMessages.EverythingChangedIn(CartCache.InvalidationKeyspace)), cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
