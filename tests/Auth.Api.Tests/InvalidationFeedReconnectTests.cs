using System.Collections.Concurrent;
using AspireAuth.Caching;
using AspireAuth.TestSupport;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace AspireAuth.Auth.Api.Tests;

/// <summary>
/// After a dropped connection the invalidation feed trusts its caches again only once it has proven
/// the subscription is live: a message it published after the reconnect came back to it. A PING alone
/// proves the connection, not that the client renewed the subscription.
/// </summary>
[Collection(AuthApiCollection.Name)]
public sealed class InvalidationFeedReconnectTests(AuthApiFixture fixture) : IClassFixture<AuthApiFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task After_a_reconnect_the_feed_is_in_sync_only_once_a_message_of_its_own_came_back_through_the_subscription()
    {
        var redisAddress = fixture.Infrastructure.ConnectionStrings["redis"];
        var channel = $"test-invalidations-{Guid.NewGuid():N}";
        var feedClientName = $"feed-{Guid.NewGuid():N}";
        await using var admin = await ConnectionMultiplexer.ConnectAsync(redisAddress + ",allowAdmin=true");
        await using var feedRedis = await ConnectionMultiplexer.ConnectAsync($"{redisAddress},name={feedClientName}");
        var published = new ConcurrentQueue<string>();
        await admin.GetSubscriber().SubscribeAsync(RedisChannel.Literal(channel), (_, message) => published.Enqueue(message.ToString()));
        var feed = new RedisInvalidationFeed(channel, feedRedis, TimeSpan.FromSeconds(2), TimeProvider.System, NullLogger<RedisInvalidationFeed>.Instance);
        await feed.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.HoldsAsync(feed.SyncAsync, Timeout);
            var markersBeforeDrop = published.Count(IsCountingMarker);

            var server = admin.GetServer(admin.GetEndPoints().Single());
            foreach (var client in (await server.ClientListAsync()).Where(client => client.Name == feedClientName))
            {
                await server.ClientKillAsync(id: client.Id);
            }

            var health = new InvalidationFeedHealthCheck(feed);
            await Eventually.HoldsAsync(async () => !await feed.SyncAsync()
                && (await health.CheckHealthAsync(new HealthCheckContext())).Status == HealthStatus.Degraded, Timeout);
            await Eventually.HoldsAsync(feed.SyncAsync, Timeout);
            Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(new HealthCheckContext())).Status);

            Assert.True(published.Count(IsCountingMarker) > markersBeforeDrop,
                "the feed called itself in sync again without a message of its own coming back after the reconnect");
        }
        finally
        {
            await feed.StopAsync(CancellationToken.None);
            feed.Dispose();
        }
    }

    private static bool IsCountingMarker(string message) => message.StartsWith('~');
}
