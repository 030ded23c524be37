using AspireAuth.Caching;

namespace AspireAuth.SessionValidation.Caching;

/// <summary>
/// The sessions this process has looked up, kept coherent with Redis: every script that changes or deletes a session
/// publishes <c>session:{token}</c> on <see cref="InvalidationMessages.Channel"/> in the same step
/// (<see cref="SessionInvalidationChannel"/>), and every lookup first syncs with that channel, so a revoked token stops
/// working everywhere at once — as if each lookup had read Redis — without a Redis round trip per request.
/// </summary>
public sealed class SessionCache
{
    /// <summary>Sessions held per process (about 1 KiB each).</summary>
    public const int Capacity = 50_000;

    /// <summary>Session invalidations are <c>session:{token}</c>.</summary>
    public const string InvalidationKeyspace = "session";

    public SessionCache(InvalidationFeed invalidations, SessionReader source)
    {
        Source = source;
        Entries = new CoherentCache<FoundSession>(invalidations, InvalidationKeyspace, Capacity);
        Load = source.LoadAsync; // one delegate, not one per read
    }

    internal SessionReader Source { get; }

    internal CoherentCache<FoundSession> Entries { get; }

    internal Func<string, Task<FoundSession?>> Load { get; }
}

/// <summary>
/// <see cref="ISessionReader"/> through the <see cref="SessionCache"/>. Without a <see cref="RequestSync"/> every lookup
/// syncs on its own (sharing round trips with concurrent lookups); with one, the lookups of a request and its other
/// coherent reads (a cart) share one sync.
/// </summary>
public sealed class CachedSessionReader(SessionCache cache, RequestSync? requestSync = null) : ISessionReader
{
    public async Task<SessionWithUser?> FindAsync(string token) => (await FindWithJsonAsync(token))?.Value;

    public async Task<FoundSession?> FindWithJsonAsync(string token)
    {
        if (!SessionReader.IsToken(token))
        {
            return null;
        }

        var entries = cache.Entries;
        var found = requestSync is null
            ? await entries.GetAsync(token, cache.Load)
            : await entries.GetAsync(token, cache.Load, requestSync.SyncAsync());
        if (found is null)
        {
            return null;
        }

        if (!cache.Source.IsLive(found))
        {
            entries.Invalidate(token);
            return null;
        }

        return found;
    }
}

/// <summary>
/// Where Auth.Api's session scripts announce a changed or removed session: <see cref="Name"/> is
/// <see cref="InvalidationMessages.Channel"/> when caching is on, empty when it is off (the scripts then publish nothing).
/// </summary>
public sealed record SessionInvalidationChannel(string Name)
{
    /// <summary>What the scripts publish before a token: <c>session:</c>.</summary>
    public string KeyPrefix { get; } = InvalidationMessages.KeyPrefix(SessionCache.InvalidationKeyspace);

    public static SessionInvalidationChannel None { get; } = new(string.Empty);
}
