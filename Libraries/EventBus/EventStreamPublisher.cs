using System.Diagnostics.Metrics;
using StackExchange.Redis;

namespace AspireAuth.EventBus;

/// <summary>Appends events to the stream, in the order given, and nudges consumers.</summary>
public sealed class EventStreamPublisher
{
    private readonly IConnectionMultiplexer _redis;
    private readonly Counter<long> _published;

    public EventStreamPublisher(IConnectionMultiplexer redis, IMeterFactory meters)
    {
        _redis = redis;
        _published = meters.Create(Microsoft.Extensions.Hosting.AspireAuthTelemetry.MeterName)
            .CreateCounter<long>("aspireauth.events.published", unit: "{event}", description: "Integration events appended to the event stream");
    }

    /// <summary>
    /// Appends every envelope and returns the stream entry ids Redis assigned, in order. All are
    /// sent on one connection, so Redis appends them in the order given; an exception means some
    /// may have been appended, which is safe because consumers are idempotent.
    /// </summary>
    public async Task<IReadOnlyList<string>> PublishAsync(IReadOnlyList<EventEnvelope> envelopes)
    {
        if (envelopes.Count == 0)
        {
            return [];
        }

        var database = _redis.GetDatabase();
        var appends = envelopes.Select(envelope => database.StreamAddAsync(EventStream.Key, envelope.ToStreamFields())).ToArray();
        var ids = await Task.WhenAll(appends);
        foreach (var envelope in envelopes)
        {
            _published.Add(1, new KeyValuePair<string, object?>("event.type", envelope.EventType));
        }

        await _redis.GetSubscriber().PublishAsync(EventStream.NudgeChannel, ids[^1].ToString());
        return ids.Select(id => id.ToString()).ToArray();
    }

    /// <summary>
    /// The id of the last entry ever appended (Redis keeps it across trims), or <c>0-0</c> when the
    /// stream does not exist: what a Redis that lost writes has forgotten lies after it.
    /// </summary>
    public async Task<StreamId> LastAppendedIdAsync()
    {
        var database = _redis.GetDatabase();
        if (!await database.KeyExistsAsync(EventStream.Key))
        {
            return default;
        }

        return StreamId.Parse((await database.StreamInfoAsync(EventStream.Key)).LastGeneratedId!);
    }

    /// <summary>
    /// Drops entries every consumer group has both received and acknowledged, so the stream
    /// stays bounded without losing anything still to be consumed. Returns how many were dropped.
    /// </summary>
    public async Task<long> TrimConsumedAsync()
    {
        var database = _redis.GetDatabase();
        if (!await database.KeyExistsAsync(EventStream.Key))
        {
            return 0;
        }

        var groups = await database.StreamGroupInfoAsync(EventStream.Key);
        if (groups.Length == 0)
        {
            return 0;
        }

        StreamId? keepFrom = null;
        foreach (var group in groups)
        {
            var pending = await database.StreamPendingAsync(EventStream.Key, group.Name);
            var groupKeepsFrom = pending.PendingMessageCount > 0
                ? StreamId.Parse(pending.LowestPendingMessageId!)
                : StreamId.Parse(group.LastDeliveredId ?? "0-0").Next();
            keepFrom = keepFrom is null || groupKeepsFrom < keepFrom ? groupKeepsFrom : keepFrom;
        }

        return (long)await database.ExecuteAsync("XTRIM", (RedisKey)EventStream.Key, "MINID", keepFrom!.Value.ToString());
    }
}

/// <summary>A Redis stream id (<c>milliseconds-sequence</c>), comparable.</summary>
public readonly record struct StreamId(long Milliseconds, long Sequence) : IComparable<StreamId>
{
    public static StreamId Parse(string id)
    {
        var dash = id.IndexOf('-', StringComparison.Ordinal);
        return dash < 0
            ? new StreamId(long.Parse(id, System.Globalization.CultureInfo.InvariantCulture), 0)
            : new StreamId(long.Parse(id.AsSpan(0, dash), System.Globalization.CultureInfo.InvariantCulture),
                           long.Parse(id.AsSpan(dash + 1), System.Globalization.CultureInfo.InvariantCulture));
    }

    public StreamId Next() => this with { Sequence = Sequence + 1 };

    public DateTimeOffset Timestamp => DateTimeOffset.FromUnixTimeMilliseconds(Milliseconds);

    public int CompareTo(StreamId other) => (Milliseconds, Sequence).CompareTo((other.Milliseconds, other.Sequence));

    public static bool operator <(StreamId left, StreamId right) => left.CompareTo(right) < 0;

    public static bool operator >(StreamId left, StreamId right) => left.CompareTo(right) > 0;

    public static bool operator <=(StreamId left, StreamId right) => left.CompareTo(right) <= 0;

    public static bool operator >=(StreamId left, StreamId right) => left.CompareTo(right) >= 0;

    public override string ToString() => $"{Milliseconds}-{Sequence}";
}
