using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using AspireAuth.ServiceDefaults.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AspireAuth.EventBus;

/// <summary>
/// Reads the event stream as a member of a consumer group and hands each entry to its handler.
/// An entry is acknowledged only after its handler succeeded; a failed entry stays pending and
/// is retried (claimed again after <see cref="EventConsumerOptions.ClaimIdleTime"/>), and after
/// <see cref="EventConsumerOptions.MaxAttempts"/> failures it moves to the dead-letter stream.
/// Entries left pending by a dead consumer are claimed the same way. Consumers wake on a
/// pub/sub nudge from the publisher and poll only as a safety net. An entry that cannot be decoded is
/// dead-lettered at once; an outage of Redis or PostgreSQL is never held against an entry: the loop
/// backs off and retries it (see <see cref="ResilientLoops"/>).
/// </summary>
internal sealed partial class EventStreamConsumer : BackgroundService
{
    private const string LoopName = "event-stream-consumer";

    private readonly IConnectionMultiplexer _redis;
    private readonly IServiceScopeFactory _scopes;
    private readonly EventHandlerRegistry _handlers;
    private readonly EventConsumerOptions _options;
    private readonly ILogger<EventStreamConsumer> _logger;
    private readonly TimeProvider _time;
    private readonly ResilientLoops _loops;
    private readonly Channel<bool> _nudges = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly RedisKey _failuresKey;
    private readonly TimeSpan _maintenanceInterval;
    private readonly Counter<long> _consumed;
    private readonly Counter<long> _deadLettered;
    private readonly Histogram<double> _handleDuration;
    private DateTimeOffset _nextMaintenance;
    private bool _subscribed;
    private bool _groupReady;
    private bool _readOwnPendingFirst = true;
    private bool _idle;

    public EventStreamConsumer(
        IConnectionMultiplexer redis,
        IServiceScopeFactory scopes,
        EventHandlerRegistry handlers,
        IOptions<EventConsumerOptions> options,
        IMeterFactory meters,
        TimeProvider time,
        ResilientLoops loops,
        ILogger<EventStreamConsumer> logger)
    {
        _loops = loops;
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
        _consumed = meter.CreateCounter<long>("aspireauth.events.consumed", "{event}", "Integration events handled and acknowledged");
        _deadLettered = meter.CreateCounter<long>("aspireauth.events.dead_lettered", "{event}", "Integration events moved to the dead-letter stream");
        _handleDuration = meter.CreateHistogram<double>("aspireauth.events.handle.duration", "s", "Time to handle one integration event (e.g. a cart takeover)");
        // The backlog gauges (lag, pending, dead letters) are ConsumerGroupObserver's: measured outside this loop.
    }

    public string ConsumerName { get; }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        _loops.RunUntilStoppedAsync(LoopName, ConsumeOnceAsync, stoppingToken);

    /// <summary>One round: reads and handles what is there, claims what is stale, and waits for more if there was nothing.</summary>
    private async Task ConsumeOnceAsync(CancellationToken stoppingToken)
    {
        if (_idle)
        {
            await WaitForNudgeAsync(stoppingToken);
        }

        try
        {
            await EnsureSubscribedAsync();
            if (_readOwnPendingFirst)
            {
                // Entries this instance read (before it stopped, or before a round failed) and never acknowledged.
                await ReadAndHandleAsync("0", stoppingToken);
                _readOwnPendingFirst = false;
            }

            var handled = await ReadAndHandleAsync(">", stoppingToken);
            handled += await MaintainAsync(stoppingToken);
            _idle = handled == 0;
        }
        catch
        {
            // Redis may have lost the group (a restart without persistence), and entries of this round are pending
            // unhandled: start over from both.
            _groupReady = false;
            _readOwnPendingFirst = true;
            _idle = false;
            throw;
        }
    }

    private async Task EnsureSubscribedAsync()
    {
        if (!_subscribed)
        {
            await _redis.GetSubscriber().SubscribeAsync(EventStream.NudgeChannel, (_, _) => _nudges.Writer.TryWrite(true));
            _subscribed = true;
        }

        if (!_groupReady)
        {
            await EnsureGroupAsync();
            _groupReady = true;
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

    /// <summary>Claims entries idle too long (dead consumers, failed attempts).</summary>
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

        return handled;
    }

    private async Task HandleAsync(StreamEntry entry, CancellationToken cancellationToken)
    {
        if (entry[EventStream.Fields.ReplayForGroup] is { IsNullOrEmpty: false } replayFor && replayFor != _options.Group)
        {
            // A dead letter replayed for another group (DeadLetterReplay): this group handled, or ignored, the original.
            await AcknowledgeAsync(entry.Id);
            return;
        }

        EventEnvelope envelope;
        try
        {
            envelope = EventEnvelope.FromStreamEntry(entry);
        }
        catch (FormatException exception)
        {
            // Whatever is wrong with it, it will be wrong on every delivery. Unreadable, it carries no trace context to continue.
            using var unreadable = AspireAuthTelemetry.ActivitySource.StartActivity($"{EventStream.Key} process", ActivityKind.Consumer);
            unreadable?.SetTag("messaging.redis.stream.entry_id", entry.Id.ToString());
            unreadable?.SetStatus(ActivityStatusCode.Error, exception.Message);
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
        catch (Exception exception) when (InfrastructureFailure.IsUnavailable(exception) || cancellationToken.IsCancellationRequested)
        {
            // Not the entry's fault: it stays pending, without an attempt counted, and the round fails so that the loop
            // backs off and reports itself unhealthy until PostgreSQL or Redis is back.
            activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
            throw;
        }
        catch (Exception exception)
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
        var fields = (entry.Values ?? []) // null for an entry deleted while it was pending
            .Append(new NameValueEntry(EventStream.Fields.Error, error))
            .Append(new NameValueEntry(EventStream.Fields.ConsumerGroup, _options.Group))
            .Append(new NameValueEntry(EventStream.Fields.OriginalEntryId, entry.Id))
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Handling {EventType} {EventId} failed (attempt {Attempt} of {MaxAttempts}); it will be retried")]
    private partial void LogHandlerFailed(Exception exception, string eventType, Guid eventId, long attempt, int maxAttempts);

    [LoggerMessage(Level = LogLevel.Error, Message = "Moved stream entry {EntryId} ({EventType}) to the dead-letter stream: {Error}")]
    private partial void LogDeadLettered(string entryId, string? eventType, string error);
}
