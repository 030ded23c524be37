using AspireAuth.Auth.Api.Data;
using AspireAuth.Auth.Api.Outbox;
using AspireAuth.EventBus;
using AspireAuth.IntegrationEvents;
using AspireAuth.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace AspireAuth.Cart.Api.Tests;

/// <summary>Link events on the stream: appended as Auth.Api's outbox relay does, or republished from its outbox.</summary>
public static class LinkEvents
{
    public static async Task<Guid> PublishAsync(IConnectionMultiplexer redis, string guestId, string accountId)
    {
        var eventId = Guid.NewGuid();
        var occurredAt = DateTime.UtcNow;
        var payload = IntegrationEventSerializer.Serialize(new AnonymousAccountLinked(eventId, occurredAt, guestId, accountId));
        var envelope = new EventEnvelope(eventId, AnonymousAccountLinked.EventType, AnonymousAccountLinked.EventVersion, payload, null, null, occurredAt, 0);
        await redis.GetDatabase().StreamAddAsync(EventStream.Key, envelope.ToStreamFields());
        await redis.GetSubscriber().PublishAsync(EventStream.NudgeChannel, eventId.ToString());
        return eventId;
    }

    /// <summary>How many entries of the stream carry the event (a republished or re-added event appears more than once).</summary>
    public static async Task<int> CopiesInStreamAsync(IConnectionMultiplexer redis, Guid eventId) =>
        (await redis.GetDatabase().StreamRangeAsync(EventStream.Key))
            .Count(entry => entry[EventStream.Fields.EventId] == eventId.ToString());

    /// <summary>Entries Cart.Api's consumer group was handed and has not acknowledged yet.</summary>
    public static async Task<long> PendingAsync(IConnectionMultiplexer redis) =>
        (await redis.GetDatabase().StreamPendingAsync(EventStream.Key, CartConsumerGroup)).PendingMessageCount;

    public const string CartConsumerGroup = "cart-api";

    /// <summary>
    /// Publishes the guest's link event again from Auth.Api's outbox, as <c>republish-events --since</c> does, and waits until
    /// Cart.Api has acknowledged the copy; returns the event's id.
    /// </summary>
    public static async Task<Guid> RepublishLinkOfAsync(ShopFixture shop, string guestId)
    {
        var eventId = await shop.QueryAuthDbAsync<Guid>(
            "SELECT event_id FROM outbox_message WHERE payload->>'anonymousUserId' = $1", guestId);
        await using (var scope = shop.Auth.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
            var occurredAt = await shop.QueryAuthDbAsync<DateTime>("SELECT occurred_at FROM outbox_message WHERE event_id = $1", eventId);
            await OutboxRelay.RepublishSinceAsync(db, occurredAt, CancellationToken.None);
        }

        // Handled once Cart.Api's group was given the copy (pending is 0 also before that) and nothing is pending.
        var database = shop.Redis.GetDatabase();
        await Eventually.HoldsAsync(async () =>
        {
            var copies = (await database.StreamRangeAsync(EventStream.Key)).Where(entry => entry[EventStream.Fields.EventId] == eventId.ToString()).ToArray();
            var group = (await database.StreamGroupInfoAsync(EventStream.Key)).Single(group => group.Name == CartConsumerGroup);
            return copies.Length == 2
                && StreamId.Parse(group.LastDeliveredId!) >= StreamId.Parse(copies[^1].Id!)
                && (await database.StreamPendingAsync(EventStream.Key, CartConsumerGroup)).PendingMessageCount == 0;
        }, TimeSpan.FromSeconds(5));
        return eventId;
    }
}
