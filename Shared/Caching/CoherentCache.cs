using System.Collections.Concurrent;

namespace AspireAuth.Shared.Caching;

internal interface ICoherentCache
{
    void Invalidate(string key);

    void Clear();
}

/// <summary>
/// An in-process cache that never serves a value older than a change its source finished
/// before the read began: every read first syncs with the source's <see cref="InvalidationFeed"/>,
/// and a value loaded while an invalidation for its key arrived is not kept. Misses, and reads
/// while the feed cannot vouch for the cache, go to the source.
/// </summary>
public sealed class CoherentCache<TValue> : ICoherentCache where TValue : class
{
    private const int StripeCount = 64;

    private readonly ConcurrentDictionary<string, TValue> _entries = new(StringComparer.Ordinal);
    private readonly InvalidationFeed _feed;
    private readonly int _capacity;
    private readonly object[] _stripeLocks = Enumerable.Range(0, StripeCount).Select(_ => new object()).ToArray();

    // Bumped by every invalidation of a key in the stripe: a load that saw another value is stale.
    private readonly long[] _stripeVersions = new long[StripeCount];
    private int _count;

    public CoherentCache(InvalidationFeed feed, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _feed = feed;
        _capacity = capacity;
        feed.Attach(this);
    }

    public int Count => Volatile.Read(ref _count);

    /// <summary>The current value for <paramref name="key"/>: cached, or loaded from the source (null: there is none).</summary>
    public async ValueTask<TValue?> GetAsync(string key, Func<string, Task<TValue?>> loadFromSource)
    {
        if (!await _feed.SyncAsync())
        {
            return await loadFromSource(key);
        }

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
            _stripeVersions[stripe]++;
            if (_entries.TryRemove(key, out _))
            {
                Interlocked.Decrement(ref _count);
            }
        }
    }

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

    private void Keep(string key, TValue value, int stripe, long versionBeforeLoad)
    {
        if (Count >= _capacity)
        {
            EvictSome();
        }

        lock (_stripeLocks[stripe])
        {
            if (_stripeVersions[stripe] == versionBeforeLoad && _entries.TryAdd(key, value))
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

    private static int StripeOf(string key) => (int)((uint)StringComparer.Ordinal.GetHashCode(key) % StripeCount);
}
