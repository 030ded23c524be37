using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace AspireAuth.Caching;

/// <summary>
/// An ordered stream of "this key changed" messages from a source of truth (a Redis channel, a
/// PostgreSQL NOTIFY channel), which keeps <see cref="CoherentCache{TValue}"/>s in step with it.
/// </summary>
/// <remarks>
/// Invalidations arrive a little after the change they announce. <see cref="SyncAsync"/> closes
/// that gap with one round trip to the source on the channel's own connection
/// (<see cref="CatchUpAsync"/>): the source answers it only after every message it accepted
/// before, so by then every invalidation for a change that finished before the call has been
/// applied. Callers that arrive while a round trip is out share the next one, so under load one
/// round trip serves many reads. When a round trip fails or takes too long, or the connection
/// drops, the caches are emptied and reads go to the source until a round trip succeeds again.
/// </remarks>
public abstract partial class InvalidationFeed(string name, TimeSpan syncTimeout, TimeProvider time, ILogger logger)
{
    // While nobody reads, a round trip now and then drains the connection and notices when it is dead.
    private static readonly TimeSpan IdleSyncInterval = TimeSpan.FromSeconds(1);

    private static readonly Task<bool> Unsynced = Task.FromResult(false);

    private readonly Lock _gate = new();
    private ICoherentCache[] _caches = [];
    private ITimer? _timeout;
    private TaskCompletionSource<bool>? _waitingForNextRoundTrip;
    private TaskCompletionSource<bool>? _waitingForCurrentRoundTrip;
    private long _currentRoundTrip;
    private long _lastRoundTrip;
    private bool _degraded = true;
    private bool _suspended;

    public string Name { get; } = name;

    /// <summary>Whether the caches fed by this feed are trusted now (false: every read goes to the source).</summary>
    public bool IsInSync
    {
        get
        {
            lock (_gate)
            {
                return !_degraded;
            }
        }
    }

    protected internal TimeProvider Time { get; } = time;

    /// <summary>When the feed last went from degraded to in sync (a <see cref="TimeProvider.GetTimestamp"/>).</summary>
    internal long InSyncSince { get; private set; }

    /// <summary>
    /// Completes with true once every change the source finished before this call is reflected in
    /// the caches fed by this feed; false when that cannot be vouched for (read the source then).
    /// </summary>
    public Task<bool> SyncAsync()
    {
        long roundTripToStart = 0;
        Task<bool> synced;
        lock (_gate)
        {
            if (_degraded)
            {
                // Probe, so the feed recovers, but do not make callers wait for a connection that is failing.
                if (_currentRoundTrip == 0)
                {
                    roundTripToStart = StartRoundTripLocked(new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
                }

                synced = Unsynced;
            }
            else
            {
                _waitingForNextRoundTrip ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                synced = _waitingForNextRoundTrip.Task;
                if (_currentRoundTrip == 0)
                {
                    roundTripToStart = StartRoundTripLocked(_waitingForNextRoundTrip);
                    _waitingForNextRoundTrip = null;
                }
            }
        }

        if (roundTripToStart != 0)
        {
            _ = RoundTripAsync(roundTripToStart);
        }

        return synced;
    }

    /// <summary>
    /// Stops trusting the caches until <see cref="Resume"/>: they are emptied and every read goes to the source
    /// (e.g. while another service may be changing the source without announcing its changes).
    /// </summary>
    public void Suspend()
    {
        lock (_gate)
        {
            _suspended = true;
            _degraded = true;
            ClearCachesLocked();
        }
    }

    /// <summary>Ends <see cref="Suspend"/>: the feed is in sync again after its next successful round trip.</summary>
    public void Resume()
    {
        lock (_gate)
        {
            _suspended = false;
        }
    }

    internal void Attach(ICoherentCache cache)
    {
        lock (_gate)
        {
            _caches = [.. _caches, cache];
        }
    }

    /// <summary>
    /// One round trip to the source on the channel's connection; completes once every message the
    /// source accepted before it has been passed to <see cref="OnMessage"/>. At most one runs at a
    /// time, except after one timed out.
    /// </summary>
    protected abstract Task CatchUpAsync();

    /// <summary>The subclass calls this for every message of the channel (<see cref="InvalidationMessages"/>), in the channel's order.</summary>
    protected void OnMessage(string message)
    {
        if (message == InvalidationMessages.EverythingChanged)
        {
            lock (_gate)
            {
                ClearCachesLocked();
            }

            return;
        }

        var mark = message.Length > 0 ? message[0] : default;
        var keyspaceAndKey = mark is InvalidationMessages.ChangingMark or InvalidationMessages.ChangeDoneMark
            ? message.AsSpan(1)
            : message.AsSpan();
        foreach (var cache in _caches)
        {
            var keyspace = cache.Keyspace;
            if (keyspaceAndKey.Length <= keyspace.Length
                || keyspaceAndKey[keyspace.Length] != ':'
                || !keyspaceAndKey.StartsWith(keyspace, StringComparison.Ordinal))
            {
                continue;
            }

            var key = keyspaceAndKey[(keyspace.Length + 1)..];
            if (key.SequenceEqual(InvalidationMessages.EverythingChanged))
            {
                cache.Clear();
                continue;
            }

            switch (mark)
            {
                case InvalidationMessages.ChangingMark:
                    cache.Hold(key.ToString());
                    break;
                case InvalidationMessages.ChangeDoneMark:
                    cache.Release(key.ToString());
                    break;
                default:
                    cache.Invalidate(key.ToString());
                    break;
            }
        }
    }

    /// <summary>The subclass calls this when its connection to the channel may have lost messages.</summary>
    protected void OnConnectionLost(Exception? exception)
    {
        LogConnectionLost(exception, Name);
        long current;
        lock (_gate)
        {
            _degraded = true;
            current = _currentRoundTrip;
            ClearCachesLocked();
        }

        CompleteRoundTrip(current, synced: false);
    }

    /// <summary>Syncs once a second until <paramref name="stoppingToken"/> fires, so a quiet feed stays drained and checked.</summary>
    protected async Task SyncWhileIdleAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(IdleSyncInterval, Time);
        try
        {
            do
            {
                await SyncAsync();
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Makes <paramref name="waiters"/> wait for a new round trip and returns its number; the caller starts it after leaving the lock.</summary>
    private long StartRoundTripLocked(TaskCompletionSource<bool> waiters)
    {
        _waitingForCurrentRoundTrip = waiters;
        _currentRoundTrip = ++_lastRoundTrip;
        _timeout ??= Time.CreateTimer(static state => ((InvalidationFeed)state!).OnRoundTripTimeout(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _timeout.Change(syncTimeout, Timeout.InfiniteTimeSpan);
        return _currentRoundTrip;
    }

    private async Task RoundTripAsync(long roundTrip)
    {
        // A round trip serves every read that waits for it, so it belongs to none of their traces
        // (and the Redis tracing does not keep the first reader's activity for its sake).
        Activity.Current = null;
        try
        {
            await CatchUpAsync();
        }
        catch (Exception exception)
        {
            LogRoundTripFailed(exception, Name);
            CompleteRoundTrip(roundTrip, synced: false);
            return;
        }

        CompleteRoundTrip(roundTrip, synced: true);
    }

    private void OnRoundTripTimeout()
    {
        long current;
        lock (_gate)
        {
            current = _currentRoundTrip;
        }

        if (current != 0)
        {
            LogRoundTripTimedOut(Name, syncTimeout);
            CompleteRoundTrip(current, synced: false);
        }
    }

    private void CompleteRoundTrip(long roundTrip, bool synced)
    {
        TaskCompletionSource<bool>? completed;
        TaskCompletionSource<bool>? refused = null;
        long roundTripToStart = 0;
        lock (_gate)
        {
            if (roundTrip == 0 || roundTrip != _currentRoundTrip)
            {
                return;
            }

            synced &= !_suspended;
            completed = _waitingForCurrentRoundTrip;
            _waitingForCurrentRoundTrip = null;
            _currentRoundTrip = 0;
            _timeout?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            if (!synced)
            {
                // Invalidations may have been lost: nothing cached can be trusted.
                _degraded = true;
                ClearCachesLocked();
            }
            else if (_degraded)
            {
                LogSynced(Name);
                InSyncSince = Time.GetTimestamp();
                _degraded = false;
            }

            if (_waitingForNextRoundTrip is { } next)
            {
                _waitingForNextRoundTrip = null;
                if (_degraded)
                {
                    refused = next;
                }
                else
                {
                    roundTripToStart = StartRoundTripLocked(next);
                }
            }
        }

        if (roundTripToStart != 0)
        {
            _ = RoundTripAsync(roundTripToStart);
        }

        completed?.TrySetResult(synced);
        refused?.TrySetResult(false);
    }

    private void ClearCachesLocked()
    {
        foreach (var cache in _caches)
        {
            cache.Clear();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Invalidation feed {Feed}: connection lost; serving from the source until it is back")]
    private partial void LogConnectionLost(Exception? exception, string feed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Invalidation feed {Feed}: a round trip failed; serving from the source")]
    private partial void LogRoundTripFailed(Exception exception, string feed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Invalidation feed {Feed}: no round trip within {Timeout}; serving from the source")]
    private partial void LogRoundTripTimedOut(string feed, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Information, Message = "Invalidation feed {Feed}: in sync; serving from the cache")]
    private partial void LogSynced(string feed);
}
