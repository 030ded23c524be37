using System.Text.Json;
using AspireAuth.Caching;
using StackExchange.Redis;

namespace AspireAuth.SessionValidation;

/// <summary>Looks sessions up by token.</summary>
public interface ISessionReader
{
    /// <summary>The live session of <paramref name="token"/>, or null.</summary>
    Task<SessionWithUser?> FindAsync(string token);

    /// <summary>The live session of <paramref name="token"/> with its JSON, or null.</summary>
    Task<FoundSession?> FindWithJsonAsync(string token);
}

/// <summary>Looks a session up in Redis: one GET of <c>better-auth:{token}</c>.</summary>
public sealed class SessionReader(IConnectionMultiplexer redis, TimeProvider time) : ISessionReader
{
    public async Task<SessionWithUser?> FindAsync(string token) => (await FindWithJsonAsync(token))?.Value;

    public async Task<FoundSession?> FindWithJsonAsync(string token) =>
        IsToken(token) && await LoadAsync(token) is { } found && IsLive(found) ? found : null;

    /// <summary>Session keys share Redis's keyspace with the per-user index: only a real token may name one.</summary>
    internal static bool IsToken(string token) => SecureToken.IsWellFormed(token);

    internal bool IsLive(FoundSession found) => found.Value.Session.ExpiresAt > time.GetUtcNow().UtcDateTime;

    /// <summary>The session stored for <paramref name="token"/>, expired or not (Redis drops it at its expiry, to the millisecond).</summary>
    internal async Task<FoundSession?> LoadAsync(string token)
    {
        var stored = await redis.GetDatabase().StringGetAsync(SessionKeys.Session(token));
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
