using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AspireAuth.Shared.Messaging;

/// <summary>
/// Reads the event stream as a member of a consumer group and hands each entry to its handler.
/// An entry is acknowledged only after its handler succeeded; a failed entry stays pending and
/// is retried (claimed again after <see cref="EventConsumerOptions.ClaimIdleTime"/>), and after
/// <see cref="EventConsumerOptions.MaxAttempts"/> failures it moves to the dead-letter stream.
/// Entries left pending by a dead consumer are claimed the same way. Consumers wake on a
/// pub/sub nudge from the publisher and poll only as a safety net.
/// </summary>
internal sealed partial class EventStreamConsumer : BackgroundService
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private readonly IConnectionMultiplexer _redis;
    private readonly IServiceScopeFactory _scopes;
    private readonly EventHandlerRegistry _handlers;
    private readonly EventConsumerOptions _options;
    private readonly ILogger<EventStreamConsumer> _logger;
    private readonly TimeProvider _time;
    private readonly Channel<bool> _nudges = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly RedisKey _failuresKey;
    private readonly TimeSpan _maintenanceInterval;
    private readonly Counter<long> _consumed;
    private readonly Counter<long> _deadLettered;
    private readonly Histogram<double> _handleDuration;
    private long _pendingCount;
    private double _oldestPendingAgeSeconds;
    private DateTimeOffset _nextMaintenance;

    public EventStreamConsumer(
        IConnectionMultiplexer redis,
        IServiceScopeFactory scopes,
        EventHandlerRegistry handlers,
        IOptions<EventConsumerOptions> options,
        IMeterFactory meters,
        TimeProvider time,
        ILogger<EventStreamConsumer> logger)
    {
        _redis = redis;
        _scopes = scopes;
        _handlers = handlers;
        _options = options.Value;
        _time = time;
        _logger = logger;
        ConsumerName = _options.ConsumerName ?? DefaultConsumerName();
        _failuresKey = $"aspireauth:events:failures:{_options.Group}";
        // Often enough to retry a failed entry soon after it becomes claimable, never more often than the safety-net poll.
        _maintenanceInterval = TimeSpan.FromTicks(Math.Min(_options.PollInterval.Ticks, _options.ClaimIdleTime.Ticks / 2));

        var meter = meters.Create(AspireAuthTelemetry.MeterName);
        var group = new KeyValuePair<string, object?>("consumer.group", _options.Group);
        _consumed = meter.CreateCounter<long>("aspireauth.events.consumed", "{event}", "Integration events handled and acknowledged");
        _deadLettered = meter.CreateCounter<long>("aspireauth.events.dead_lettered", "{event}", "Integration events moved to the dead-letter stream");
        _handleDuration = meter.CreateHistogram<double>("aspireauth.events.handle.duration", "s", "Time to handle one integration event (e.g. a cart merge)");
        meter.CreateObservableGauge("aspireauth.events.pending", () => new Measurement<long>(Volatile.Read(ref _pendingCount), group),
            "{event}", "Entries delivered to the consumer group but not yet acknowledged");
        meter.CreateObservableGauge("aspireauth.events.oldest_pending.age", () => new Measurement<double>(Volatile.Read(ref _oldestPendingAgeSeconds), group),
            "s", "Age of the oldest unacknowledged entry");
    }

    public string ConsumerName { get; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await _redis.GetSubscriber().SubscribeAsync(EventStream.NudgeChannel, (_, _) => _nudges.Writer.TryWrite(true));
        var backoff = TimeSpan.FromMilliseconds(200);
        var readOwnPendingFirst = true;

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await EnsureGroupAsync();
                if (readOwnPendingFirst)
                {
                    // Entries this instance read before it stopped, and never acknowledged.
                    await ReadAndHandleAsync("0", stoppingToken);
                    readOwnPendingFirst = false;
                }

                var handled = await ReadAndHandleAsync(">", stoppingToken);
                handled += await MaintainAsync(stoppingToken);
                backoff = TimeSpan.FromMilliseconds(200);
                if (handled == 0)
                {
                    await WaitForNudgeAsync(stoppingToken);
                }
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException)
            {
                LogRedisUnavailable(exception, backoff);
                await Task.Delay(backoff, _time, stoppingToken);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    private async Task EnsureGroupAsync()
    {
        try
        {
            // From the start of the stream: events published before this service ever ran still count.
            await _redis.GetDatabase().StreamCreateConsumerGroupAsync(EventStream.Key, _options.Group, StreamPosition.Beginning, createStream: true);
        }
        catch (RedisServerException exception) when (exception.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
        }
    }

    private async Task<int> ReadAndHandleAsync(string position, CancellationToken cancellationToken)
    {
        var handled = 0;
        while (true)
        {
            var entries = await _redis.GetDatabase().StreamReadGroupAsync(EventStream.Key, _options.Group, ConsumerName, position, _options.BatchSize);
            foreach (var entry in entries)
            {
                await HandleAsync(entry, cancellationToken);
            }

            handled += entries.Length;
            // Re-reading "0" returns entries still pending (failed ones); go round only for new entries.
            if (entries.Length < _options.BatchSize || position != ">")
            {
                return handled;
            }
        }
    }

    /// <summary>Claims entries idle too long (dead consumers, failed attempts) and refreshes the lag gauges.</summary>
    private async Task<int> MaintainAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (now < _nextMaintenance)
        {
            return 0;
        }

        _nextMaintenance = now + _maintenanceInterval;
        var database = _redis.GetDatabase();
        var handled = 0;
        RedisValue start = "0-0";
        do
        {
            var claim = await database.StreamAutoClaimAsync(EventStream.Key, _options.Group, ConsumerName,
                (long)_options.ClaimIdleTime.TotalMilliseconds, start, _options.BatchSize);
            foreach (var entry in claim.ClaimedEntries.Where(entry => !entry.IsNull))
            {
                await HandleAsync(entry, cancellationToken);
                handled++;
            }

            start = claim.NextStartId;
        }
        while (start != "0-0" && !cancellationToken.IsCancellationRequested);

        var pending = await database.StreamPendingAsync(EventStream.Key, _options.Group);
        Volatile.Write(ref _pendingCount, pending.PendingMessageCount);
        Volatile.Write(ref _oldestPendingAgeSeconds, pending.PendingMessageCount == 0
            ? 0
            : Math.Max(0, (now - StreamId.Parse(pending.LowestPendingMessageId!).Timestamp).TotalSeconds));
        return handled;
    }

    private async Task HandleAsync(StreamEntry entry, CancellationToken cancellationToken)
    {
        EventEnvelope envelope;
        try
        {
            envelope = EventEnvelope.FromStreamEntry(entry);
        }
        catch (FormatException exception)
        {
            await DeadLetterAsync(entry, exception.Message, eventType: null);
            return;
        }

        if (!_handlers.TryGet(envelope.EventType, out var handler))
        {
            // Another service's business: acknowledge so it does not linger in this group.
            await AcknowledgeAsync(entry.Id);
            return;
        }

        using var activity = StartActivity(envelope, entry.Id);
        var started = _time.GetTimestamp();
        try
        {
            if (handler.Version != envelope.EventVersion)
            {
                throw new PoisonMessageException($"{envelope.EventType} v{envelope.EventVersion} is not handled here (v{handler.Version} is).");
            }

            await using (var scope = _scopes.CreateAsyncScope())
            {
                await handler.Handle(scope.ServiceProvider, envelope.Payload, cancellationToken);
            }

            await AcknowledgeAsync(entry.Id);
            var tags = new TagList { { "event.type", envelope.EventType }, { "consumer.group", _options.Group } };
            _consumed.Add(1, tags);
            _handleDuration.Record(_time.GetElapsedTime(started).TotalSeconds, tags);
        }
        catch (PoisonMessageException exception)
        {
            activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
            await DeadLetterAsync(entry, exception.Message, envelope.EventType);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
            var attempts = await _redis.GetDatabase().HashIncrementAsync(_failuresKey, entry.Id);
            if (attempts >= _options.MaxAttempts)
            {
                await DeadLetterAsync(entry, exception.ToString(), envelope.EventType);
            }
            else
            {
                // Not acknowledged: it stays pending and is claimed again after ClaimIdleTime.
                LogHandlerFailed(exception, envelope.EventType, envelope.EventId, attempts, _options.MaxAttempts);
            }
        }
    }

    private async Task AcknowledgeAsync(RedisValue entryId)
    {
        var database = _redis.GetDatabase();
        await database.StreamAcknowledgeAsync(EventStream.Key, _options.Group, entryId);
        await database.HashDeleteAsync(_failuresKey, entryId);
    }

    private async Task DeadLetterAsync(StreamEntry entry, string error, string? eventType)
    {
        var fields = entry.Values
            .Append(new NameValueEntry(EventStream.Fields.Error, error))
            .Append(new NameValueEntry(EventStream.Fields.ConsumerGroup, _options.Group))
            .Append(new NameValueEntry("original_entry_id", entry.Id))
            .ToArray();
        await _redis.GetDatabase().StreamAddAsync(EventStream.DeadLetterKey, fields);
        await AcknowledgeAsync(entry.Id);
        _deadLettered.Add(1, new TagList { { "event.type", eventType ?? "unreadable" }, { "consumer.group", _options.Group } });
        LogDeadLettered(entry.Id.ToString(), eventType, error);
    }

    private async Task WaitForNudgeAsync(CancellationToken stoppingToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var untilMaintenance = _nextMaintenance - _time.GetUtcNow();
        timeout.CancelAfter(untilMaintenance > TimeSpan.Zero ? untilMaintenance : TimeSpan.FromMilliseconds(1));
        try
        {
            await _nudges.Reader.WaitToReadAsync(timeout.Token);
            _nudges.Reader.TryRead(out _);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            // No nudge in time: read anyway (the safety net), and let maintenance claim stale entries.
        }
    }

    private Activity? StartActivity(EventEnvelope envelope, RedisValue entryId)
    {
        ActivityContext.TryParse(envelope.TraceParent, envelope.TraceState, isRemote: true, out var parent);
        var activity = AspireAuthTelemetry.ActivitySource.StartActivity($"{envelope.EventType} process", ActivityKind.Consumer, parent);
        activity?.SetTag("messaging.system", "redis");
        activity?.SetTag("messaging.destination.name", EventStream.Key.ToString());
        activity?.SetTag("messaging.consumer.group.name", _options.Group);
        activity?.SetTag("messaging.message.id", envelope.EventId.ToString());
        activity?.SetTag("messaging.redis.stream.entry_id", entryId.ToString());
        return activity;
    }

    private static string DefaultConsumerName()
    {
        var attributes = Environment.GetEnvironmentVariable("OTEL_RESOURCE_ATTRIBUTES") ?? "";
        var instanceId = attributes.Split(',')
            .Select(pair => pair.Split('=', 2))
            .FirstOrDefault(pair => pair.Length == 2 && pair[0].Trim() == "service.instance.id")?[1].Trim();
        return string.IsNullOrEmpty(instanceId) ? Environment.MachineName : instanceId;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event stream unavailable; retrying in {Backoff}")]
    private partial void LogRedisUnavailable(Exception exception, TimeSpan backoff);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Handling {EventType} {EventId} failed (attempt {Attempt} of {MaxAttempts}); it will be retried")]
    private partial void LogHandlerFailed(Exception exception, string eventType, Guid eventId, long attempt, int maxAttempts);

    [LoggerMessage(Level = LogLevel.Error, Message = "Moved stream entry {EntryId} ({EventType}) to the dead-letter stream: {Error}")]
    private partial void LogDeadLettered(string entryId, string? eventType, string error);
}
