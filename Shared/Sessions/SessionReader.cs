using System.Text.Json;
using AspireAuth.Shared.Caching;
using AspireAuth.Shared.Http;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace AspireAuth.Shared.Sessions;

/// <summary>
/// Looks a session up: from an in-process cache kept coherent with Redis, else one GET.
/// Every script that changes or deletes a session publishes its token on
/// <see cref="SessionKeys.InvalidationChannel"/> in the same step, and every lookup first syncs
/// with that channel, so a revoked token stops working everywhere at once — as if each lookup
/// had read Redis — without a Redis round trip per request.
/// </summary>
public sealed class SessionReader
{
    /// <summary>Sessions held per process (about 1 KiB each).</summary>
    public const int CacheCapacity = 50_000;

    private readonly IConnectionMultiplexer _redis;
    private readonly TimeProvider _time;
    private readonly CoherentCache<FoundSession> _cache;
    private readonly Func<string, Task<FoundSession?>> _load;

    public SessionReader(
        IConnectionMultiplexer redis,
        TimeProvider time,
        [FromKeyedServices(SessionKeys.InvalidationChannel)] RedisInvalidationFeed invalidations)
    {
        _redis = redis;
        _time = time;
        _cache = new CoherentCache<FoundSession>(invalidations, CacheCapacity);
        _load = LoadAsync;
    }

    public async Task<SessionWithUser?> FindAsync(string token) => (await FindWithJsonAsync(token))?.Value;

    /// <summary>The live session of <paramref name="token"/> with its JSON, or null.</summary>
    public async Task<FoundSession?> FindWithJsonAsync(string token)
    {
        var found = await _cache.GetAsync(token, _load);
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
