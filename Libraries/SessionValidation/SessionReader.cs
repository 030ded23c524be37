using System.Text.Json;
using AspireAuth.Caching;
using AspireAuth.ServiceDefaults.ApiErrors;
using StackExchange.Redis;

namespace AspireAuth.SessionValidation;

/// <summary>
/// Looks a session up: from an in-process cache kept coherent with Redis, else one GET.
/// Every script that changes or deletes a session publishes <c>session:{token}</c> on
/// <see cref="InvalidationMessages.Channel"/> in the same step, and every lookup first syncs
/// with that channel, so a revoked token stops working everywhere at once — as if each lookup
/// had read Redis — without a Redis round trip per request.
/// </summary>
public sealed class SessionReader
{
    /// <summary>Sessions held per process (about 1 KiB each).</summary>
    public const int CacheCapacity = 50_000;

    /// <summary>Session invalidations are <c>session:{token}</c>.</summary>
    public const string InvalidationKeyspace = "session";

    /// <summary>What the session scripts publish before a token.</summary>
    public static readonly string InvalidationKeyPrefix = InvalidationMessages.KeyPrefix(InvalidationKeyspace);

    private readonly IConnectionMultiplexer _redis;
    private readonly TimeProvider _time;
    private readonly CoherentCache<FoundSession> _cache;
    private readonly Func<string, Task<FoundSession?>> _load;

    public SessionReader(
        IConnectionMultiplexer redis,
        TimeProvider time,
        InvalidationFeed invalidations)
    {
        _redis = redis;
        _time = time;
        _cache = new CoherentCache<FoundSession>(invalidations, InvalidationKeyspace, CacheCapacity);
        _load = LoadAsync;
    }

    /// <summary>The live session of <paramref name="token"/>, or null; <paramref name="requestSync"/> shares the request's sync.</summary>
    public async Task<SessionWithUser?> FindAsync(string token, RequestSync? requestSync = null) => (await FindWithJsonAsync(token, requestSync))?.Value;

    /// <summary>The live session of <paramref name="token"/> with its JSON, or null.</summary>
    public async Task<FoundSession?> FindWithJsonAsync(string token, RequestSync? requestSync = null)
    {
        // Session keys share Redis's keyspace with the per-user index: only a real token may name one.
        if (!SecureToken.IsWellFormed(token))
        {
            return null;
        }

        var found = requestSync is null
            ? await _cache.GetAsync(token, _load)
            : await _cache.GetAsync(token, _load, requestSync.SyncAsync());
        if (found is null)
        {
            return null;
        }

        if (found.Value.Session.ExpiresAt <= _time.GetUtcNow().UtcDateTime)
        {
            _cache.Invalidate(token);
            return null;
        }

        return found;
    }

    private async Task<FoundSession?> LoadAsync(string token)
    {
        var stored = await _redis.GetDatabase().StringGetAsync(SessionKeys.Session(token));
        if (stored.IsNull || JsonSerializer.Deserialize((byte[])stored!, SessionJsonContext.Default.SessionWithUser) is not { } session)
        {
            return null;
        }

        // Serialized again rather than kept as stored, so the response is always this version's format.
        return new FoundSession(session, new SerializedJson<SessionWithUser>(JsonSerializer.SerializeToUtf8Bytes(session, SessionJsonContext.Default.SessionWithUser)));
    }
}

/// <summary>A live session, with its JSON as <c>get-session</c> returns it (serialized once per load, not per request).</summary>
public sealed record FoundSession(SessionWithUser Value, SerializedJson<SessionWithUser> Json);
