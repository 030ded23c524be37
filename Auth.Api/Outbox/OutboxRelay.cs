using System.Diagnostics;
using AspireAuth.Auth.Api.Data;
using AspireAuth.EventBus;
using AspireAuth.ServiceDefaults.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using StackExchange.Redis;

namespace AspireAuth.Auth.Api.Outbox;

/// <summary>
/// Publishes outbox rows to the event stream in order, marking each published only after Redis
/// accepted it. With several replicas, one publishes at a time (a transaction-scoped advisory
/// lock), which keeps the order. Woken by PostgreSQL's NOTIFY on insert; polls as a safety net.
/// If Redis accepts an event but the mark is not committed, the event is published again —
/// consumers are idempotent by event id.
/// </summary>
internal sealed partial class OutboxRelay(
    IServiceScopeFactory scopes,
    EventStreamPublisher publisher,
    IConnectionMultiplexer redis,
    IEnumerable<IRedisWriteLossRecovery> lossRecoveries,
    ResilientLoops loops,
    IOptions<OutboxOptions> options,
    TimeProvider time,
    ILogger<OutboxRelay> logger) : BackgroundService
{
    internal static readonly long PublishLockKey = BitConverter.ToInt64(System.Security.Cryptography.SHA256.HashData("aspireauth:outbox-relay"u8), 0);
    private const string LoopName = "outbox-relay";

    private readonly OutboxOptions _options = options.Value;
    private DateTimeOffset _nextMaintenance;
    private NpgsqlConnection? _listener;

    // A restarted Redis may have lost writes: look once at start, after every reconnect and at maintenance.
    private volatile bool _lossCheckDue = true;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        redis.ConnectionRestored += (_, _) => _lossCheckDue = true;
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await loops.RunUntilStoppedAsync(LoopName, RelayOnceAsync, stoppingToken);
        }
        finally
        {
            await DropListenerAsync();
        }
    }

    /// <summary>Publishes what is waiting, then waits for a NOTIFY (or the poll interval).</summary>
    private async Task RelayOnceAsync(CancellationToken stoppingToken)
    {
        try
        {
            _listener ??= await ListenAsync(stoppingToken);
            if (_lossCheckDue)
            {
                _lossCheckDue = false;
                await RecoverLostEntriesAsync(stoppingToken);
            }

            while (await PublishBatchAsync(stoppingToken) == _options.BatchSize)
            {
            }

            await MaintainAsync(stoppingToken);
            await _listener.WaitAsync(_options.PollInterval, stoppingToken);
        }
        catch
        {
            // Whatever failed, the next attempt starts afresh: a new listening connection, and a look for lost writes.
            _lossCheckDue = true;
            await DropListenerAsync();
            throw;
        }
    }

    private async Task DropListenerAsync()
    {
        if (_listener is { } listener)
        {
            _listener = null;
            await listener.DisposeAsync();
        }
    }

    /// <summary>Publishes the next batch of unpublished rows; returns how many.</summary>
    internal async Task<int> PublishBatchAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);

        var isPublisher = await db.Database
            .SqlQuery<bool>($"SELECT pg_try_advisory_xact_lock({PublishLockKey}) AS \"Value\"")
            .SingleAsync(cancellationToken);
        if (!isPublisher)
        {
            return 0;
        }

        var batch = await db.OutboxMessages
            .Where(m => m.PublishedAt == null)
            .OrderBy(m => m.Sequence)
            .Take(_options.BatchSize)
            .ToListAsync(cancellationToken);
        if (batch.Count == 0)
        {
            return 0;
        }

        // The batch is one trace (its Redis and SQL calls), linked to the traces that wrote its rows; each event's own
        // publish span continues its row's trace, which the consumer's span continues in turn.
        using var relay = AspireAuthTelemetry.StartBackgroundWork("outbox publish", batch.Select(StoredContext));
        relay?.SetTag("messaging.batch.message_count", batch.Count);
        var activities = batch.Select(StartPublishActivity).ToList();
        var envelopes = batch.Select((message, i) => new EventEnvelope(message.EventId, message.EventType, message.EventVersion,
            message.Payload, activities[i]?.Id ?? message.TraceParent, activities[i]?.TraceStateString ?? message.TraceState,
            message.OccurredAt, message.Sequence)).ToList();
        Activity.Current = relay;
        try
        {
            var entryIds = await publisher.PublishAsync(envelopes);
            var publishedAt = time.GetUtcNow().UtcDateTime;
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].PublishedAt = publishedAt;
                batch[i].StreamEntryId = entryIds[i];
                activities[i]?.SetTag("messaging.redis.stream.entry_id", entryIds[i]);
            }
        }
        finally
        {
            activities.ForEach(activity => activity?.Dispose());
            // Stopping a span started on an explicit parent leaves no current span.
            Activity.Current = relay;
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return batch.Count;
    }

    /// <summary>
    /// Redis acknowledged every published row's entry, but a Redis that lost writes no longer has the
    /// last of them: its stream ends before the outbox's last published entry. Those rows are marked
    /// unpublished, so they are published again (consumers ignore what they already handled), and every
    /// <see cref="IRedisWriteLossRecovery"/> redoes its part. Returns how many rows.
    /// </summary>
    internal async Task<int> RecoverLostEntriesAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
        var lastPublished = await db.OutboxMessages
            .Where(m => m.PublishedAt != null && m.StreamEntryId != null)
            .OrderByDescending(m => m.Sequence)
            .Select(m => m.StreamEntryId)
            .FirstOrDefaultAsync(cancellationToken);
        var streamEnd = await publisher.LastAppendedIdAsync();
        if (lastPublished is null || StreamId.Parse(lastPublished) <= streamEnd)
        {
            return 0;
        }

        using var work = AspireAuthTelemetry.StartBackgroundWork("outbox recover lost entries");
        var lost = await db.Database.ExecuteSqlAsync($"""
            UPDATE outbox_message SET published_at = NULL, stream_entry_id = NULL
            WHERE published_at IS NOT NULL
              AND (split_part(stream_entry_id, '-', 1)::bigint, split_part(stream_entry_id, '-', 2)::bigint) > ({streamEnd.Milliseconds}, {streamEnd.Sequence})
            """, cancellationToken);
        LogLostEntries(lost, streamEnd.ToString(), lastPublished);
        foreach (var recovery in lossRecoveries)
        {
            await recovery.RecoverAsync(streamEnd.Timestamp, cancellationToken);
        }

        return lost;
    }

    /// <summary>
    /// Marks every event that occurred at or after <paramref name="since"/> unpublished, so the
    /// relay publishes it again (consumers ignore what they already handled). Returns how many.
    /// </summary>
    internal static async Task<int> RepublishSinceAsync(AuthDbContext db, DateTime since, CancellationToken cancellationToken)
    {
        var count = await db.OutboxMessages
            .Where(m => m.OccurredAt >= since && m.PublishedAt != null)
            .ExecuteUpdateAsync(update => update.SetProperty(m => m.PublishedAt, (DateTime?)null).SetProperty(m => m.StreamEntryId, (string?)null), cancellationToken);
        await db.Database.ExecuteSqlRawAsync($"NOTIFY {OutboxOptions.NotificationChannel}", cancellationToken);
        return count;
    }

    private async Task MaintainAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (now < _nextMaintenance)
        {
            return;
        }

        _nextMaintenance = now + _options.MaintenanceInterval;
        _lossCheckDue = true;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
        var cutoff = now.UtcDateTime - _options.Retention;
        var expired = await db.OutboxMessages.Where(m => m.PublishedAt < cutoff).ExecuteDeleteAsync(cancellationToken);
        var trimmed = await publisher.TrimConsumedAsync();
        if (expired > 0 || trimmed > 0)
        {
            // Known only once done, so a span of the whole pass without its calls: a pass that removed nothing is no trace.
            using var work = AspireAuthTelemetry.StartBackgroundWork("outbox maintenance", startTime: now);
            work?.SetTag("aspireauth.outbox.expired", expired);
            work?.SetTag("aspireauth.events.trimmed", trimmed);
            LogMaintenance(expired, trimmed);
        }
    }

    private async Task<NpgsqlConnection> ListenAsync(CancellationToken cancellationToken)
    {
        string connectionString;
        await using (var scope = scopes.CreateAsyncScope())
        {
            connectionString = scope.ServiceProvider.GetRequiredService<AuthDbContext>().Database.GetConnectionString()!;
        }

        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var listen = new NpgsqlCommand($"LISTEN {OutboxOptions.NotificationChannel}", connection);
        await listen.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }

    private static ActivityContext StoredContext(OutboxMessage message)
    {
        ActivityContext.TryParse(message.TraceParent, message.TraceState, isRemote: false, out var context);
        return context;
    }

    private static Activity? StartPublishActivity(OutboxMessage message)
    {
        var activity = AspireAuthTelemetry.ActivitySource.StartActivity($"{message.EventType} publish", ActivityKind.Producer, StoredContext(message));
        activity?.SetTag("messaging.system", "redis");
        activity?.SetTag("messaging.destination.name", EventStream.Key.ToString());
        activity?.SetTag("messaging.message.id", message.EventId.ToString());
        return activity;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis lost {Count} published event(s): its stream ends at {StreamEnd}, the outbox published up to {LastPublished}; publishing them again")]
    private partial void LogLostEntries(int count, string streamEnd, string lastPublished);

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox maintenance: removed {Expired} published row(s) past retention, trimmed {Trimmed} consumed stream entries")]
    private partial void LogMaintenance(int expired, long trimmed);
}
