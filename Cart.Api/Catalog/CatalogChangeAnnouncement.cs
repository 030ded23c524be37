using AspireAuth.Cart.Api.Carts;
using AspireAuth.Shared.Caching;
using StackExchange.Redis;

namespace AspireAuth.Cart.Api.Catalog;

/// <summary>
/// Cached carts carry product names and prices, and the catalog changes only through migrations,
/// which run as a replica starts: so once they have run, every replica drops its cached carts.
/// Registered after the migration, so it runs after it.
/// </summary>
internal sealed class CatalogChangeAnnouncement(IConnectionMultiplexer redis) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken) =>
        await redis.GetSubscriber().PublishAsync(
            RedisChannel.Literal(InvalidationMessages.Channel),
            InvalidationMessages.EverythingChangedIn(CartReader.InvalidationKeyspace));

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
