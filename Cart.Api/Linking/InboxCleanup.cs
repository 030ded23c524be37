using System.Diagnostics.Metrics;
using AspireAuth.Cart.Api.Data;
using AspireAuth.EventBus;
using AspireAuth.ServiceDefaults.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AspireAuth.Cart.Api.Linking;

/// <summary>
/// Deletes inbox rows and linked guests older than <see cref="InboxOptions.Retention"/>, so neither table grows without
/// bound. Linked guests share the inbox's retention: a guest's write is refused only while their token can still be
/// presented, and the 8 days outlast a session's lifetime too (<c>Auth:SessionLifetime</c>, 7 days by default).
/// Each batch is one idempotent DELETE of rows it locks with <c>SKIP LOCKED</c>, so replicas share the work.
/// </summary>
internal sealed partial class InboxCleanup : BackgroundService
{
    private const string LoopName = "inbox-cleanup";

    private readonly IServiceScopeFactory _scopes;
    private readonly InboxOptions _options;
    private readonly ResilientLoops _loops;
    private readonly TimeProvider _time;
    private readonly ILogger<InboxCleanup> _logger;
    private readonly Counter<long> _expired;

    public InboxCleanup(
        IServiceScopeFactory scopes, IOptions<InboxOptions> options, ResilientLoops loops, TimeProvider time, IMeterFactory meters, ILogger<InboxCleanup> logger)
    {
        _scopes = scopes;
        _options = options.Value;
        _loops = loops;
        _time = time;
        _logger = logger;
        _expired = meters.Create(AspireAuthTelemetry.MeterName).CreateCounter<long>(
            "aspireauth.events.inbox.expired", "{event}", "Handled event ids forgotten after Messaging:Inbox:Retention");
    }

    // A failed pass is retried after the loop's backoff rather than at the next tick; each batch commits on its own.
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        _loops.RunEveryAsync(LoopName, _options.CleanupInterval, async cancellationToken =>
        {
            var started = _time.GetUtcNow();
            var deleted = await RunOnceAsync(cancellationToken);
            if (deleted.InboxRows + deleted.LinkedGuests > 0)
            {
                // Known only once done, so a span of the whole pass without its calls: a pass that deleted nothing is no trace.
                using var work = AspireAuthTelemetry.StartBackgroundWork("inbox cleanup", startTime: started);
                work?.SetTag("aspireauth.inbox.deleted", deleted.InboxRows);
                work?.SetTag("aspireauth.linked_guests.deleted", deleted.LinkedGuests);
                LogDeleted(deleted.InboxRows, deleted.LinkedGuests);
            }
        }, stoppingToken);

    /// <summary>One pass over everything expired.</summary>
    internal async Task<ExpiredRows> RunOnceAsync(CancellationToken cancellationToken)
    {
        var cutoff = _time.GetUtcNow().UtcDateTime - _options.Retention;
        var batchSize = _options.CleanupBatchSize;
        var inboxRows = await DeleteInBatchesAsync((db, token) => db.Database.ExecuteSqlAsync(
            $"""
            DELETE FROM inbox_message WHERE ctid IN (
                SELECT ctid FROM inbox_message WHERE processed_at < {cutoff} LIMIT {batchSize} FOR UPDATE SKIP LOCKED)
            """, token), _expired, cancellationToken);
        var linkedGuests = await DeleteInBatchesAsync((db, token) => db.Database.ExecuteSqlAsync(
            $"""
            DELETE FROM linked_guest WHERE ctid IN (
                SELECT ctid FROM linked_guest WHERE linked_at < {cutoff} LIMIT {batchSize} FOR UPDATE SKIP LOCKED)
            """, token), counter: null, cancellationToken);
        return new ExpiredRows(inboxRows, linkedGuests);
    }

    private async Task<int> DeleteInBatchesAsync(
        Func<CartDbContext, CancellationToken, Task<int>> deleteBatch, Counter<long>? counter, CancellationToken cancellationToken)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CartDbContext>();
        var total = 0;
        int deleted;
        do
        {
            deleted = await deleteBatch(db, cancellationToken);
            total += deleted;
            counter?.Add(deleted);
        }
        while (deleted == _options.CleanupBatchSize);

        return total;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {InboxRows} expired inbox row(s) and {LinkedGuests} expired linked guest(s)")]
    private partial void LogDeleted(int inboxRows, int linkedGuests);
}

internal readonly record struct ExpiredRows(int InboxRows, int LinkedGuests);
