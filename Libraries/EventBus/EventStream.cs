using System.Globalization;
using StackExchange.Redis;

namespace AspireAuth.EventBus;

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
        public const string OriginalEntryId = "original_entry_id";

        /// <summary>On a replayed dead letter: the only consumer group that handles it; every other group acknowledges it unread.</summary>
        public const string ReplayForGroup = "replay_for_group";
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

    /// <summary>
    /// Reads a stream entry back; throws <see cref="FormatException"/>, and nothing else, for an entry that is not an
    /// envelope (a field missing, empty or given twice, a value that does not parse or does not fit).
    /// </summary>
    public static EventEnvelope FromStreamEntry(StreamEntry entry)
    {
        try
        {
            if (entry.Values is not { Length: > 0 } values)
            {
                throw new FormatException("it has no fields");
            }

            if (values.GroupBy(field => field.Name.ToString(), StringComparer.Ordinal).FirstOrDefault(same => same.Count() > 1) is { } repeated)
            {
                throw new FormatException($"'{repeated.Key}' is given {repeated.Count()} times");
            }

            return new EventEnvelope(
                Parse<Guid>(Required(entry, EventStream.Fields.EventId), EventStream.Fields.EventId, Guid.TryParse),
                Required(entry, EventStream.Fields.EventType),
                Parse(Required(entry, EventStream.Fields.EventVersion), EventStream.Fields.EventVersion, Invariant<int>(int.TryParse)),
                Required(entry, EventStream.Fields.Payload),
                Optional(entry, EventStream.Fields.TraceParent),
                Optional(entry, EventStream.Fields.TraceState),
                Parse(Required(entry, EventStream.Fields.OccurredAt), EventStream.Fields.OccurredAt, (string value, out DateTime parsed) =>
                    DateTime.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out parsed)),
                Optional(entry, EventStream.Fields.OutboxSequence) is { } sequence
                    ? Parse(sequence, EventStream.Fields.OutboxSequence, Invariant<long>(long.TryParse))
                    : 0);
        }
        catch (Exception exception)
        {
            throw new FormatException($"Stream entry {entry.Id} is not an event envelope: {exception.Message}.", exception);
        }
    }

    private delegate bool TryParser<T>(string value, out T parsed);

    private static string Required(StreamEntry entry, string name) =>
        entry[name] is { IsNullOrEmpty: false } value ? value.ToString() : throw new FormatException($"'{name}' is missing or empty");

    private static string? Optional(StreamEntry entry, string name) => entry[name] is { IsNullOrEmpty: false } value ? value.ToString() : null;

    private static T Parse<T>(string value, string name, TryParser<T> tryParse) =>
        tryParse(value, out var parsed) ? parsed : throw new FormatException($"'{name}' is not a valid {typeof(T).Name}: '{Truncated(value)}'");

    private static TryParser<T> Invariant<T>(NumberParser<T> parse) =>
        (string value, out T parsed) => parse(value, NumberStyles.None, CultureInfo.InvariantCulture, out parsed);

    private delegate bool NumberParser<T>(string value, NumberStyles style, IFormatProvider provider, out T parsed);

    private static string Truncated(string value) => value.Length <= 40 ? value : value[..40] + "…";
}
