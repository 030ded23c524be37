using AspireAuth.TestSupport;

namespace AspireAuth.Auth.Api.Tests;

/// <summary>Reads Auth.Api's tables directly, to check what a request did (or did not) write.</summary>
internal static class AuthDatabase
{
    public const string AccountLinked = "auth.anonymous-account-linked";
    public const string AnonymousUserDeleted = "auth.anonymous-user-deleted";

    public static async Task<bool> UserExistsAsync(this AuthApiFixture fixture, string userId) =>
        await fixture.QueryScalarAsync<long>("""SELECT count(*) FROM "user" WHERE id = $1""", userId) == 1;

    public static async Task<bool> UserWithEmailExistsAsync(this AuthApiFixture fixture, string email) =>
        await fixture.QueryScalarAsync<long>("""SELECT count(*) FROM "user" WHERE email = lower($1)""", email) == 1;

    /// <summary>
    /// Users created at or after <paramref name="since"/> (to the millisecond, as Auth.Api stores
    /// times), so that what other tests left behind or clean up does not count.
    /// </summary>
    public static Task<long> CountUsersCreatedSinceAsync(this AuthApiFixture fixture, DateTime since) =>
        fixture.QueryScalarAsync<long>("""SELECT count(*) FROM "user" WHERE "createdAt" >= date_trunc('milliseconds', $1::timestamptz)""", since);

    /// <summary>Outbox rows of <paramref name="eventType"/> about the given anonymous user.</summary>
    public static Task<long> OutboxCountAsync(this AuthApiFixture fixture, string eventType, string anonymousUserId) =>
        fixture.QueryScalarAsync<long>(
            "SELECT count(*) FROM outbox_message WHERE event_type = $1 AND payload->>'anonymousUserId' = $2", eventType, anonymousUserId);

    /// <summary>Every outbox row that mentions the user, whatever its event type or role in the payload.</summary>
    public static Task<long> OutboxCountMentioningAsync(this AuthApiFixture fixture, string userId) =>
        fixture.QueryScalarAsync<long>(
            "SELECT count(*) FROM outbox_message WHERE payload->>'anonymousUserId' = $1 OR payload->>'newUserId' = $1", userId);

    /// <summary>The user the anonymous user was linked to, or null when it never was.</summary>
    public static Task<string?> LinkedUserIdAsync(this AuthApiFixture fixture, string anonymousUserId) =>
        fixture.QueryScalarAsync<string>("SELECT new_user_id FROM anonymous_link WHERE anonymous_user_id = $1", anonymousUserId);

    public static Task<long> AnonymousLinkCountAsync(this AuthApiFixture fixture, string userId) =>
        fixture.QueryScalarAsync<long>("SELECT count(*) FROM anonymous_link WHERE anonymous_user_id = $1 OR new_user_id = $1", userId);

    public static Task<IReadOnlyList<object?[]>> QueryRowsAsync(this AuthApiFixture fixture, string sql, params object[] parameters) =>
        Sql.RowsAsync(fixture.AuthDb, sql, parameters);
}
