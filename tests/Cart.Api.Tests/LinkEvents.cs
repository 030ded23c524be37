using AspireAuth.Shared.Events;
using AspireAuth.Shared.Messaging;
using StackExchange.Redis;

namespace AspireAuth.Cart.Api.Tests;

/// <summary>Appends link events to the stream as Auth.Api's outbox relay does, without Auth.Api revoking the guest's session.</summary>
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
}
