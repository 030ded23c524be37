using StackExchange.Redis;

namespace AspireAuth.SessionValidation;

/// <summary>Better Auth's Redis layout (its secondary storage), shared by every service that reads sessions.</summary>
public static class SessionKeys
{
    public const string Prefix = "better-auth:";

    public static RedisKey Session(string token) => Prefix + token;

    public static RedisKey ActiveSessions(string userId) => Prefix + "active-sessions-" + userId;

    public static RedisKey RevokedBefore(string userId) => Prefix + "revoked-sessions-before-" + userId;
}
