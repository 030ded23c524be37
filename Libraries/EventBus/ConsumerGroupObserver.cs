using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AspireAuth.EventBus;

/// <summary>
/// Watches a consumer group from the outside, as Redis sees it: entries not yet delivered to the group (Redis's
/// <c>lag</c>), entries delivered but not acknowledged, how old the oldest of each is, and the dead-letter stream's
/// length. Feeds the <c>aspireauth.events.*</c> gauges and the pipeline health checks from one cached reading, so a
/// consumer whose loop is stuck or dead shows its backlog growing instead of a last "all clear".
/// </summary>
internal sealed class ConsumerGroupObserver : IHostedService
{
    public const string LagCheckName = "event-consumer-lag";
    public const string DeadLetterCheckName = "event-dead-letters";

    private readonly IConnectionMultiplexer _redis;
    private readonly string _group;
    private readonly PipelineHealthOptions _options;
    private readonly TimeProvider _time;
    private readonly CachedReading<ConsumerGroupState> _state;

    public ConsumerGroupObserver(
        IConnectionMultiplexer redis,
        IOptions<EventConsumerOptions> consumer,
        IOptions<PipelineHealthOptions> options,
        IMeterFactory meters,
        TimeProvider time)
    {
        _redis = redis;
        _group = consumer.Value.Group;
        _options = options.Value;
        _time = time;
        _state = new CachedReading<ConsumerGroupState>(ReadAsync, _options.ReadEvery, _options.ReadTimeout, time);

        var meter = meters.Create(AspireAuthTelemetry.MeterName);
        var group = new KeyValuePair<string, object?>("consumer.group", _group);
        meter.CreateObservableGauge("aspireauth.events.lag", () => Measure(state => state.GroupExists ? state.Lag : null, group),
            "{event}", "Entries in the stream not yet delivered to the consumer group, as Redis reports them");
        meter.CreateObservableGauge("aspireauth.events.lag.age", () => Measure<double>(state => state.GroupExists ? Seconds(state.OldestUndelivered) : null, group),
            "s", "Age of the oldest entry not yet delivered to the consumer group");
        meter.CreateObservableGauge("aspireauth.events.pending", () => Measure(state => state.GroupExists ? state.Pending : (long?)null, group),
            "{event}", "Entries delivered to the consumer group but not yet acknowledged");
        meter.CreateObservableGauge("aspireauth.events.oldest_pending.age", () => Measure<double>(state => state.GroupExists ? Seconds(state.OldestPending) : null, group),
            "s", "Age of the oldest unacknowledged entry");
        meter.CreateObservableGauge("aspireauth.events.dead_letters", () => Measure(state => (long?)state.DeadLetters),
            "{event}", "Entries in the dead-letter stream; they stay until someone replays or deletes them");
    }

    /// <summary>Degraded while the group falls behind: more than <see cref="PipelineHealthOptions.MaxLag"/> entries undelivered, or its oldest waiting entry too old.</summary>
    public async Task<HealthCheckResult> CheckLagAsync()
    {
        var reading = await _state.GetAsync();
        if (reading.Value is not { } state)
        {
            return Unknown(reading);
        }

        if (!state.GroupExists)
        {
            return HealthCheckResult.Healthy($"Consumer group {_group} is not created yet");
        }

        var oldest = new[] { state.OldestPending, state.OldestUndelivered }.Where(at => at is not null).Min();
        var waiting = oldest is { } at ? _time.GetUtcNow() - at : TimeSpan.Zero;
        var description = $"Consumer group {_group}: {(state.Lag is { } lag ? lag.ToString(System.Globalization.CultureInfo.InvariantCulture) : "unknown")} " +
            $"undelivered, {state.Pending} pending, oldest waiting {waiting.TotalSeconds:0} s";
        var data = new Dictionary<string, object> { ["lag"] = state.Lag ?? -1, ["pending"] = state.Pending, ["oldest_waiting_s"] = Math.Round(waiting.TotalSeconds) };
        return state.Lag > _options.MaxLag || waiting > _options.MaxWaitingAge
            ? HealthCheckResult.Degraded($"{description} (limits: {_options.MaxLag} undelivered, {_options.MaxWaitingAge.TotalSeconds:0.###} s)", data: data)
            : HealthCheckResult.Healthy(description, data);
    }

    /// <summary>Degraded while the dead-letter stream holds more than <see cref="PipelineHealthOptions.MaxDeadLetters"/> entries.</summary>
    public async Task<HealthCheckResult> CheckDeadLettersAsync()
    {
        var reading = await _state.GetAsync();
        if (reading.Value is not { } state)
        {
            return Unknown(reading);
        }

        var description = $"{state.DeadLetters} dead letter(s) in {EventStream.DeadLetterKey}";
        return state.DeadLetters > _options.MaxDeadLetters
            ? HealthCheckResult.Degraded($"{description}: replay or delete them")
            : HealthCheckResult.Healthy(description);
    }

    // Created at start, so that its gauges exist before any health check asks for it.
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static HealthCheckResult Unknown(Reading<ConsumerGroupState> reading) =>
        HealthCheckResult.Degraded($"The consumer group cannot be read: {reading.Error?.Message}", reading.Error);

    /// <summary>Nothing while the state is unknown (not read yet, or Redis unavailable) rather than a stale or made-up number.</summary>
    private IEnumerable<Measurement<T>> Measure<T>(Func<ConsumerGroupState, T?> select, params KeyValuePair<string, object?>[] tags)
        where T : struct =>
        _state.Peek() is { } state && select(state) is { } value ? [new Measurement<T>(value, tags)] : [];

    /// <summary>Seconds since <paramref name="since"/>; 0 when there is no such entry.</summary>
    private double Seconds(DateTimeOffset? since) =>
        since is { } at ? Math.Max(0, (_time.GetUtcNow() - at).TotalSeconds) : 0;

    private async Task<ConsumerGroupState> ReadAsync(CancellationToken cancellationToken)
    {
        var database = _redis.GetDatabase();
        var deadLetters = await database.StreamLengthAsync(EventStream.DeadLetterKey);
        var groups = await database.KeyExistsAsync(EventStream.Key) ? await database.StreamGroupInfoAsync(EventStream.Key) : [];
        if (groups.FirstOrDefault(group => group.Name == _group) is not { Name: not null } info)
        {
            return new ConsumerGroupState(false, null, 0, null, null, deadLetters);
        }

        DateTimeOffset? oldestPending = null;
        if (info.PendingMessageCount > 0)
        {
            var pending = await database.StreamPendingAsync(EventStream.Key, _group);
            oldestPending = pending.PendingMessageCount > 0 ? StreamId.Parse(pending.LowestPendingMessageId!).Timestamp : null;
        }

        DateTimeOffset? oldestUndelivered = null;
        if (info.Lag != 0)
        {
            // Redis's lag is unknown (null) after entries were deleted from the middle of the stream: look for the next entry instead.
            var next = info.LastDeliveredId is { } delivered ? StreamId.Parse(delivered).Next().ToString() : "-";
            var entries = await database.StreamRangeAsync(EventStream.Key, next, "+", count: 1);
            oldestUndelivered = entries.Length > 0 ? StreamId.Parse(entries[0].Id!).Timestamp : null;
        }

        cancellationToken.ThrowIfCancellationRequested();
        return new ConsumerGroupState(true, info.Lag, info.PendingMessageCount, oldestPending, oldestUndelivered, deadLetters);
    }
}

/// <summary>One reading of a consumer group and the dead-letter stream.</summary>
internal sealed record ConsumerGroupState(
    bool GroupExists,
    long? Lag,
    long Pending,
    DateTimeOffset? OldestPending,
    DateTimeOffset? OldestUndelivered,
    long DeadLetters);
