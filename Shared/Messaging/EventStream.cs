using StackExchange.Redis;

namespace AspireAuth.Shared.Messaging;

/// <summary>
/// The Redis stream that carries integration events from Auth.Api's outbox to every consumer,
/// and the names of its fields: one place for publisher and consumers.
/// </summary>
public static class EventStream
{
    public static readonly RedisKey Key = "aspireauth:events";

    /// <summary>Entries a consumer gave up on, with the error, for someone to look at.</summary>
    public static readonly RedisKey DeadLetterKey = "aspireauth:events:dead-letter";

    /// <summary>Published after each append, so consumers wake at once instead of polling.</summary>
    public static readonly RedisChannel NudgeChannel = RedisChannel.Literal("aspireauth:events:nudge");

    public static class Fields
    {
        public const string EventId = "event_id";
        public const string EventType = "type";
        public const string EventVersion = "version";
        public const string Payload = "payload";
        public const string TraceParent = "traceparent";
        public const string TraceState = "tracestate";
        public const string OccurredAt = "occurred_at";
        public const string OutboxSequence = "outbox_sequence";
        public const string Error = "error";
        public const string ConsumerGroup = "consumer_group";
    }
}

/// <summary>One event as it travels on the stream.</summary>
public sealed record EventEnvelope(
    Guid EventId,
    string EventType,
    int EventVersion,
    string Payload,
    string? TraceParent,
    string? TraceState,
    DateTime OccurredAt,
    long OutboxSequence)
{
    public NameValueEntry[] ToStreamFields() =>
    [
        new(EventStream.Fields.EventId, EventId.ToString()),
        new(EventStream.Fields.EventType, EventType),
        new(EventStream.Fields.EventVersion, EventVersion),
        new(EventStream.Fields.Payload, Payload),
        new(EventStream.Fields.TraceParent, TraceParent ?? ""),
        new(EventStream.Fields.TraceState, TraceState ?? ""),
        new(EventStream.Fields.OccurredAt, OccurredAt.ToUniversalTime().ToString("O")),
        new(EventStream.Fields.OutboxSequence, OutboxSequence),
    ];

    /// <summary>Reads a stream entry back; throws <see cref="FormatException"/> for an entry that is not an envelope.</summary>
    public static EventEnvelope FromStreamEntry(StreamEntry entry)
    {
        string Required(string name) =>
            entry[name] is { IsNullOrEmpty: false } value ? value.ToString() : throw new FormatException($"Stream entry {entry.Id} has no '{name}'.");

        string? Optional(string name) => entry[name] is { IsNullOrEmpty: false } value ? value.ToString() : null;

        return new EventEnvelope(
            Guid.Parse(Required(EventStream.Fields.EventId)),
            Required(EventStream.Fields.EventType),
            int.Parse(Required(EventStream.Fields.EventVersion), System.Globalization.CultureInfo.InvariantCulture),
            Required(EventStream.Fields.Payload),
            Optional(EventStream.Fields.TraceParent),
            Optional(EventStream.Fields.TraceState),
            DateTime.Parse(Required(EventStream.Fields.OccurredAt), System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal),
            long.Parse(Optional(EventStream.Fields.OutboxSequence) ?? "0", System.Globalization.CultureInfo.InvariantCulture));
    }
}
