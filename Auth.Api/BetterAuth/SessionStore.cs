using System.Text.Json;
using AspireAuth.SessionValidation;
using AspireAuth.SessionValidation.Caching;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AspireAuth.Auth.Api.BetterAuth;

/// <summary>
/// Writes sessions in Better Auth's Redis layout: <c>better-auth:{token}</c> holds the session
/// and user (TTL = expiry), <c>better-auth:active-sessions-{userId}</c> indexes a user's tokens.
/// Each change is one Lua script, so the record and its index never disagree.
/// </summary>
internal sealed class SessionStore(
    IConnectionMultiplexer redis, ISessionReader reader, SessionInvalidationChannel invalidations, TimeProvider time, IOptions<AuthOptions> options)
{
    // With caching on, every script that changes or removes an existing session publishes "session:{token}" on the
    // invalidation channel in the same step, which keeps every service's session cache coherent. With caching off the
    // channel argument is empty and nothing is published.

    // KEYS: session, index. ARGV: json, ttl ms, token, expiresAt ms, now ms, "XX" to update only an existing session, channel, key prefix.
    private const string SaveScript = """
        local ok
        if ARGV[6] == 'XX' then
          ok = redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'XX')
          if ok and ARGV[7] ~= '' then redis.call('PUBLISH', ARGV[7], ARGV[8] .. ARGV[3]) end
        else
          ok = redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        end
        if not ok then return 0 end
        local now = tonumber(ARGV[5])
        local entries = {}
        local raw = redis.call('GET', KEYS[2])
        if raw then
          for _, e in ipairs(cjson.decode(raw)) do
            if tonumber(e.expiresAt) > now and e.token ~= ARGV[3] then entries[#entries + 1] = e end
          end
        end
        entries[#entries + 1] = { token = ARGV[3], expiresAt = tonumber(ARGV[4]) }
        local latest = 0
        for _, e in ipairs(entries) do
          if tonumber(e.expiresAt) > latest then latest = tonumber(e.expiresAt) end
        end
        redis.call('SET', KEYS[2], cjson.encode(entries), 'PX', math.max(latest - now, 1))
        return 1
        """;

    // KEYS: session, index. ARGV: token, now ms, channel, key prefix. Returns 1 when this call removed the session.
    private const string DeleteScript = """
        local removed = redis.call('DEL', KEYS[1])
        if ARGV[3] ~= '' then redis.call('PUBLISH', ARGV[3], ARGV[4] .. ARGV[1]) end
        local raw = redis.call('GET', KEYS[2])
        if raw then
          local now = tonumber(ARGV[2])
          local entries, latest = {}, 0
          for _, e in ipairs(cjson.decode(raw)) do
            local expiresAt = tonumber(e.expiresAt)
            if e.token ~= ARGV[1] and expiresAt > now then
              entries[#entries + 1] = e
              if expiresAt > latest then latest = expiresAt end
            end
          end
          if #entries == 0 then
            redis.call('DEL', KEYS[2])
          else
            redis.call('SET', KEYS[2], cjson.encode(entries), 'PX', math.max(latest - now, 1))
          end
        end
        return removed
        """;

    // KEYS: index, revoked-before. ARGV: session key prefix, now ms, ttl s, channel, invalidation key prefix.
    private const string RevokeAllScript = """
        local raw = redis.call('GET', KEYS[1])
        if raw then
          for _, e in ipairs(cjson.decode(raw)) do
            redis.call('DEL', ARGV[1] .. e.token)
            if ARGV[4] ~= '' then redis.call('PUBLISH', ARGV[4], ARGV[5] .. e.token) end
          end
        end
        redis.call('DEL', KEYS[1])
        redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
        return 1
        """;

    private readonly AuthOptions _options = options.Value;

    public Task<SessionWithUser?> FindAsync(string token) => reader.FindAsync(token);

    public Task<FoundSession?> FindWithJsonAsync(string token) => reader.FindWithJsonAsync(token);

    public async Task<SessionWithUser> CreateAsync(SessionUser user, string ipAddress, string userAgent, TimeSpan lifetime)
    {
        var record = Prepare(user, ipAddress, userAgent, lifetime);
        await SaveNewAsync(record);
        return record;
    }

    /// <summary>A new session, not yet stored: it can be named in a transaction and stored once that committed.</summary>
    public SessionWithUser Prepare(SessionUser user, string ipAddress, string userAgent, TimeSpan lifetime)
    {
        var now = Now();
        var session = new Session(SecureToken.New(), ipAddress, userAgent, now + lifetime, user.Id, SecureToken.New(), now, now);
        return new SessionWithUser(session, user);
    }

    public Task SaveNewAsync(SessionWithUser record) => SaveAsync(record, onlyIfExists: false);

    /// <summary>
    /// Sliding expiry: once a session is older than the update age, push its expiry out.
    /// Returns the refreshed record, or null when no refresh was due (or the session vanished meanwhile).
    /// </summary>
    public async Task<SessionWithUser?> RefreshIfDueAsync(SessionWithUser current)
    {
        var now = Now();
        var remaining = current.Session.ExpiresAt - now;
        if (remaining > _options.SessionLifetime - _options.SessionUpdateAge)
        {
            return null;
        }

        var refreshed = current with { Session = current.Session with { ExpiresAt = now + _options.SessionLifetime, UpdatedAt = now } };
        return await SaveAsync(refreshed, onlyIfExists: true) ? refreshed : null;
    }

    public async Task<bool> DeleteAsync(Session session)
    {
        var removed = await redis.GetDatabase().ScriptEvaluateAsync(DeleteScript,
            [SessionKeys.Session(session.Token), SessionKeys.ActiveSessions(session.UserId)],
            [session.Token, ToUnixMilliseconds(Now()), invalidations.Name, invalidations.KeyPrefix]);
        return (long)removed == 1;
    }

    /// <summary>Ends every session of a user at once (sign-out everywhere, deletion, linking).</summary>
    public Task RevokeAllAsync(string userId) =>
        redis.GetDatabase().ScriptEvaluateAsync(RevokeAllScript,
            [SessionKeys.ActiveSessions(userId), SessionKeys.RevokedBefore(userId)],
            [SessionKeys.Prefix, ToUnixMilliseconds(Now()), (long)_options.SessionLifetime.TotalSeconds, invalidations.Name, invalidations.KeyPrefix]);

    public async Task<bool> HasLiveSessionAsync(string userId) =>
        await redis.GetDatabase().KeyExistsAsync(SessionKeys.ActiveSessions(userId));

    public async Task<IReadOnlyList<Session>> ListAsync(string userId)
    {
        var database = redis.GetDatabase();
        var index = await database.StringGetAsync(SessionKeys.ActiveSessions(userId));
        if (index.IsNull)
        {
            return [];
        }

        var entries = JsonSerializer.Deserialize((byte[])index!, SessionJsonContext.Default.ActiveSessionEntryArray) ?? [];
        if (entries.Length == 0)
        {
            return [];
        }

        var records = await database.StringGetAsync(entries.Select(entry => SessionKeys.Session(entry.Token)).ToArray());
        var now = Now();
        return records
            .Where(record => !record.IsNull)
            .Select(record => JsonSerializer.Deserialize((byte[])record!, SessionJsonContext.Default.SessionWithUser)!.Session)
            .Where(session => session.ExpiresAt > now)
            .ToList();
    }

    private async Task<bool> SaveAsync(SessionWithUser record, bool onlyIfExists)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(record, SessionJsonContext.Default.SessionWithUser);
        var ttl = record.Session.ExpiresAt - Now();
        var saved = await redis.GetDatabase().ScriptEvaluateAsync(SaveScript,
            [SessionKeys.Session(record.Session.Token), SessionKeys.ActiveSessions(record.User.Id)],
            [json, (long)ttl.TotalMilliseconds, record.Session.Token, ToUnixMilliseconds(record.Session.ExpiresAt),
             ToUnixMilliseconds(Now()), onlyIfExists ? "XX" : "", invalidations.Name, invalidations.KeyPrefix]);
        return (long)saved == 1;
    }

    private DateTime Now() => time.TruncatedNow();

    private static long ToUnixMilliseconds(DateTime utc) => new DateTimeOffset(utc).ToUnixTimeMilliseconds();
}
