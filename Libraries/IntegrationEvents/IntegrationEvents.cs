using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using AspireAuth.ServiceDefaults.Json;

namespace AspireAuth.IntegrationEvents;

/// <summary>An event one service publishes for others; delivered at least once, so handlers must be idempotent by <see cref="EventId"/>.</summary>
public interface IIntegrationEvent
{
    Guid EventId { get; }

    DateTime OccurredAt { get; }
}

/// <summary>Gives each event type its wire name, version and JSON contract, in one place for publisher and consumer.</summary>
public interface IIntegrationEvent<TSelf> : IIntegrationEvent where TSelf : IIntegrationEvent<TSelf>
{
    static abstract string EventType { get; }

    static abstract int EventVersion { get; }

    static abstract JsonTypeInfo<TSelf> JsonTypeInfo { get; }
}

/// <summary>A guest linked to a real account: their activity (e.g. the cart) belongs to <see cref="NewUserId"/> now.</summary>
public sealed record AnonymousAccountLinked(Guid EventId, DateTime OccurredAt, string AnonymousUserId, string NewUserId)
    : IIntegrationEvent<AnonymousAccountLinked>
{
    public static string EventType => "auth.anonymous-account-linked";

    public static int EventVersion => 1;

    public static JsonTypeInfo<AnonymousAccountLinked> JsonTypeInfo => IntegrationEventJsonContext.Default.AnonymousAccountLinked;
}

/// <summary>A guest was deleted (by "forget me" or as stale): whatever they left behind goes too.</summary>
public sealed record AnonymousUserDeleted(Guid EventId, DateTime OccurredAt, string AnonymousUserId)
    : IIntegrationEvent<AnonymousUserDeleted>
{
    public static string EventType => "auth.anonymous-user-deleted";

    public static int EventVersion => 1;

    public static JsonTypeInfo<AnonymousUserDeleted> JsonTypeInfo => IntegrationEventJsonContext.Default.AnonymousUserDeleted;
}

// A payload missing a property, or with null where the type has none, is unreadable rather than half an event.
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, Converters = [typeof(IsoDateTimeConverter)],
    RespectNullableAnnotations = true, RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(AnonymousAccountLinked))]
[JsonSerializable(typeof(AnonymousUserDeleted))]
public sealed partial class IntegrationEventJsonContext : JsonSerializerContext;

public static class IntegrationEventSerializer
{
    public static string Serialize<TEvent>(TEvent integrationEvent) where TEvent : IIntegrationEvent<TEvent> =>
        JsonSerializer.Serialize(integrationEvent, TEvent.JsonTypeInfo);

    /// <summary>Reads a payload of the given type and version; throws <see cref="JsonException"/> when it does not fit.</summary>
    public static TEvent Deserialize<TEvent>(string payload) where TEvent : IIntegrationEvent<TEvent> =>
        JsonSerializer.Deserialize(payload, TEvent.JsonTypeInfo)
        ?? throw new JsonException($"The {TEvent.EventType} payload is null.");
}
