using System.Text.Json;
using AspireAuth.Shared.Caching;
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
    private readonly CoherentCache<SessionWithUser> _cache;
    private readonly Func<string, Task<SessionWithUser?>> _load;

    public SessionReader(
        IConnectionMultiplexer redis,
        TimeProvider time,
        [FromKeyedServices(SessionKeys.InvalidationChannel)] RedisInvalidationFeed invalidations)
    {
        _redis = redis;
        _time = time;
        _cache = new CoherentCache<SessionWithUser>(invalidations, CacheCapacity);
        _load = LoadAsync;
    }

    public async Task<SessionWithUser?> FindAsync(string token)
    {
        var session = await _cache.GetAsync(token, _load);
        if (session is null)
        {
            return null;
        }

        if (session.Session.ExpiresAt <= _time.GetUtcNow().UtcDateTime)
        {
            _cache.Invalidate(token);
            return null;
        }

        return session;
    }

    private async Task<SessionWithUser?> LoadAsync(string token)
    {
        var stored = await _redis.GetDatabase().StringGetAsync(SessionKeys.Session(token));
        return stored.IsNull ? null : JsonSerializer.Deserialize((byte[])stored!, SessionJsonContext.Default.SessionWithUser);
    }
}
