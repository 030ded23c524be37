using System.Text.Json;
using StackExchange.Redis;

namespace AspireAuth.Shared.Sessions;

/// <summary>
/// Looks a session up in Redis: one GET. Sign-out, revocation, user deletion and linking delete
/// the key, so a revoked token stops working everywhere at once.
/// </summary>
public sealed class SessionReader(IConnectionMultiplexer redis, TimeProvider time)
{
    public async Task<SessionWithUser?> FindAsync(string token)
    {
        var stored = await redis.GetDatabase().StringGetAsync(SessionKeys.Session(token));
        if (stored.IsNull)
        {
            return null;
        }

        var session = JsonSerializer.Deserialize((byte[])stored!, SessionJsonContext.Default.SessionWithUser);
        return session is not null && session.Session.ExpiresAt > time.GetUtcNow().UtcDateTime ? session : null;
    }
}
