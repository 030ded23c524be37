using System.Collections.Concurrent;

namespace AspireAuth.Caching;

internal interface ICoherentCache
{
    /// <summary>The first part of the messages meant for this cache: <c>{keyspace}:{key}</c>.</summary>
    string Keyspace { get; }

    void Invalidate(string key);

    void Hold(string key);

    void Release(string key);

    void Clear();
}

/// <summary>
/// An in-process cache that never serves a value older than a change its source finished
/// before the read began: every read first syncs with the source's <see cref="InvalidationFeed"/>,
/// and a value loaded while an invalidation for its key arrived is not kept. Misses, and reads
/// while the feed cannot vouch for the cache, go to the source.
/// </summary>
/// <remarks>
/// A source that cannot announce a change in the same step as making it (a database transaction
/// announced on Redis) announces it under a <see cref="ChangeLease"/> instead: "changing" before
/// the commit, "changed" after. Between the two the key is held: reads go to the source and keep
/// nothing. A hold ends at "changed", or when the lease's expiry has passed (the change has
/// committed or failed by then), so a lost "changed" costs cache hits, never a stale read.
/// </remarks>
public sealed class CoherentCache<TValue> : ICoherentCache where TValue : class
{
    private const int StripeCount = 64;
    private const int HoldsBetweenSweeps = 4096;

    private readonly ConcurrentDictionary<string, TValue> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, HeldKey> _held = new(StringComparer.Ordinal);
    private readonly InvalidationFeed _feed;
    private readonly int _capacity;
    private readonly TimeSpan? _changeLeaseExpiry;
    private readonly object[] _stripeLocks = Enumerable.Range(0, StripeCount).Select(_ => new object()).ToArray();

    // Bumped by every invalidation of a key in the stripe: a load that saw another value is stale.
    private readonly long[] _stripeVersions = new long[StripeCount];
    private int _count;
    private int _holdsSinceSweep;

    /// <param name="feed">The feed that carries this cache's invalidations.</param>
    /// <param name="keyspace">Names this cache's messages on the feed: <c>{keyspace}:{key}</c>.</param>
    /// <param name="capacity">Most values held at once.</param>
    /// <param name="changeLeaseExpiry">
    /// Null when every change is announced in the same step as it is made. Otherwise the source's
    /// writers announce changes under leases (<see cref="ChangeLeaseOptions.Expiry"/>): keys are
    /// held between "changing" and "changed", and after the feed (re)gains sync nothing is kept
    /// for this long, because a "changing" may have been missed meanwhile.
    /// </param>
    public CoherentCache(InvalidationFeed feed, string keyspace, int capacity, TimeSpan? changeLeaseExpiry = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentException.ThrowIfNullOrEmpty(keyspace);
        _feed = feed;
        Keyspace = keyspace;
        _capacity = capacity;
        _changeLeaseExpiry = changeLeaseExpiry;
        feed.Attach(this);
    }

    public string Keyspace { get; }

    public int Count => Volatile.Read(ref _count);

    /// <summary>The current value for <paramref name="key"/>: cached, or loaded from the source (null: there is none).</summary>
    public ValueTask<TValue?> GetAsync(string key, Func<string, Task<TValue?>> loadFromSource) =>
        GetAsync(key, loadFromSource, _feed.SyncAsync());

    /// <summary>
    /// As <see cref="GetAsync(string, Func{string, Task{TValue}})"/>, with a sync the caller started
    /// (after the read's start, e.g. <see cref="RequestSync"/>) instead of a new one.
    /// </summary>
    public async ValueTask<TValue?> GetAsync(string key, Func<string, Task<TValue?>> loadFromSource, Task<bool> synced)
    {
        if (!await synced)
        {
            return await loadFromSource(key);
        }

        // Never true for a held key: holding removes its entry, and nothing is kept while it is held.
        if (_entries.TryGetValue(key, out var cached))
        {
            return cached;
        }

        var stripe = StripeOf(key);
        var versionBeforeLoad = Volatile.Read(ref _stripeVersions[stripe]);
        var loaded = await loadFromSource(key);
        if (loaded is not null)
        {
            Keep(key, loaded, stripe, versionBeforeLoad);
        }

        return loaded;
    }

    /// <summary>Drops a value the caller knows is no longer current (e.g. past its expiry).</summary>
    public void Invalidate(string key)
    {
        var stripe = StripeOf(key);
        lock (_stripeLocks[stripe])
        {
            InvalidateLocked(key, stripe);
        }
    }

    void ICoherentCache.Hold(string key)
    {
        var stripe = StripeOf(key);
        var expiresAt = _feed.Time.GetTimestamp() + ToTimestampTicks(_changeLeaseExpiry ?? ChangeLeaseOptions.DefaultExpiry);
        lock (_stripeLocks[stripe])
        {
            var held = _held.GetOrAdd(key, static _ => new HeldKey());
            held.Count++;
            held.ExpiresAt = expiresAt;
            InvalidateLocked(key, stripe);
        }

        if (Interlocked.Increment(ref _holdsSinceSweep) % HoldsBetweenSweeps == 0)
        {
            SweepExpiredHolds();
        }
    }

    void ICoherentCache.Release(string key)
    {
        var stripe = StripeOf(key);
        lock (_stripeLocks[stripe])
        {
            if (_held.TryGetValue(key, out var held) && --held.Count <= 0)
            {
                _held.TryRemove(key, out _);
            }

            InvalidateLocked(key, stripe);
        }
    }

    /// <summary>Drops every value. Held keys stay held: their changes are still under way.</summary>
    public void Clear()
    {
        for (var stripe = 0; stripe < StripeCount; stripe++)
        {
            Monitor.Enter(_stripeLocks[stripe]);
        }

        try
        {
            for (var stripe = 0; stripe < StripeCount; stripe++)
            {
                _stripeVersions[stripe]++;
            }

            _entries.Clear();
            Volatile.Write(ref _count, 0);
        }
        finally
        {
            for (var stripe = StripeCount - 1; stripe >= 0; stripe--)
            {
                Monitor.Exit(_stripeLocks[stripe]);
            }
        }
    }

    private void InvalidateLocked(string key, int stripe)
    {
        // Interlocked: a full fence, so a reader that sees the new version also sees the hold made before it.
        Interlocked.Increment(ref _stripeVersions[stripe]);
        if (_entries.TryRemove(key, out _))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    private void Keep(string key, TValue value, int stripe, long versionBeforeLoad)
    {
        if (_changeLeaseExpiry is { } expiry && _feed.Time.GetElapsedTime(_feed.InSyncSince) < expiry)
        {
            return;
        }

        if (Count >= _capacity)
        {
            EvictSome();
        }

        lock (_stripeLocks[stripe])
        {
            if (_stripeVersions[stripe] != versionBeforeLoad)
            {
                return;
            }

            if (_held.TryGetValue(key, out var held))
            {
                if (held.ExpiresAt <= _feed.Time.GetTimestamp())
                {
                    // Its change has committed or failed by now; the next load reads the outcome.
                    _held.TryRemove(key, out _);
                    InvalidateLocked(key, stripe);
                }

                return;
            }

            if (_entries.TryAdd(key, value))
            {
                Interlocked.Increment(ref _count);
            }
        }
    }

    /// <summary>Makes room by dropping about an eighth of the entries (any; the cache is a shortcut, not a store).</summary>
    private void EvictSome()
    {
        var toDrop = Math.Max(1, _capacity / 8);
        foreach (var entry in _entries)
        {
            if (toDrop-- == 0)
            {
                break;
            }

            Invalidate(entry.Key);
        }
    }

    /// <summary>Forgets holds whose "changed" never came (a writer that stopped between the two).</summary>
    private void SweepExpiredHolds()
    {
        var now = _feed.Time.GetTimestamp();
        foreach (var (key, held) in _held)
        {
            if (held.ExpiresAt > now)
            {
                continue;
            }

            var stripe = StripeOf(key);
            lock (_stripeLocks[stripe])
            {
                if (held.ExpiresAt <= now && _held.TryRemove(KeyValuePair.Create(key, held)))
                {
                    InvalidateLocked(key, stripe);
                }
            }
        }
    }

    private long ToTimestampTicks(TimeSpan duration) => (long)(duration.TotalSeconds * _feed.Time.TimestampFrequency);

    private static int StripeOf(string key) => (int)((uint)StringComparer.Ordinal.GetHashCode(key) % StripeCount);

    /// <summary>A key with changes under way: how many, and when the latest one's lease has surely ended. Guarded by its stripe's lock.</summary>
    private sealed class HeldKey
    {
        public int Count;
        public long ExpiresAt;
    }
}
