using System.Globalization;
using System.Net;
using AspireAuth.Auth.Api.Anonymous;
using AspireAuth.Auth.Api.BetterAuth;
using AspireAuth.Auth.Api.Data;
using AspireAuth.Auth.Api.Outbox;
using AspireAuth.Auth.Api.Social;
using AspireAuth.IntegrationEvents;
using AspireAuth.SessionValidation;
using AspireAuth.TestSupport;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace AspireAuth.Auth.Api.Tests;

/// <summary>
/// A database created by the last shipped migration, holding the rows a running store has, upgrades to
/// the current head and keeps serving them. Guards every future migration against breaking live data.
/// </summary>
[Collection(AuthApiCollection.Name)]
public sealed class MigrationUpgradeTests(AuthApiFixture fixture) : IClassFixture<AuthApiFixture>, IAsyncLifetime
{
    private const string LastShippedMigration = "20261203155813_AnonymousLinkRetryAndRevocation";
    private const string Password = "correct-horse-battery";

    private string _database = null!;
    private string _connectionString = null!;

    public async Task InitializeAsync() => (_database, _connectionString) = await TestDatabases.CreateAsync(fixture, "upgrade");

    public async Task DisposeAsync()
    {
        await fixture.DisposeAppsAsync();
        await TestDatabases.DropAsync(fixture, _database);
    }

    [Fact]
    public async Task A_populated_database_of_the_last_shipped_schema_upgrades_and_keeps_serving_its_users()
    {
        await using (var db = FullModelContext())
        {
            await db.GetService<IMigrator>().MigrateAsync(LastShippedMigration);
            Assert.Equal(LastShippedMigration, (await db.Database.GetAppliedMigrationsAsync()).Last());
        }

        var now = DateTime.UtcNow;
        var stamp = new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc);
        var memberId = SecureToken.New();
        var memberEmail = TestData.UniqueEmail("upgrade");
        var guestId = SecureToken.New();
        var linkedGuestId = SecureToken.New();
        var eventId = Guid.CreateVersion7();
        await ExecuteAsync("""
            INSERT INTO "user" (id, name, email, "emailVerified", image, "createdAt", "updatedAt", "isAnonymous")
            VALUES ($1, 'Ada', $2, false, NULL, $3, $3, false), ($4, 'Anonymous', $5, false, NULL, $3, $3, true)
            """, memberId, memberEmail, stamp, guestId, $"temp@{guestId.ToLowerInvariant()}.com");
        await ExecuteAsync("""
            INSERT INTO account (id, "accountId", "providerId", "userId", password, "createdAt", "updatedAt")
            VALUES ($1, $2, 'credential', $2, $3, $4, $4)
            """, SecureToken.New(), memberId, PasswordHasher.Hash(Password), stamp);
        await ExecuteAsync("""
            INSERT INTO anonymous_link (anonymous_user_id, new_user_id, linked_at, anonymous_session_token_hash, guest_sessions_revoked_at)
            VALUES ($1, $2, $3, $4, $3)
            """, linkedGuestId, memberId, stamp, AnonymousLink.HashToken(SecureToken.New()));
        // An event written before the upgrade and not yet relayed, in today's outbox format.
        await using (var db = FullModelContext())
        {
            db.AddToOutbox(new AnonymousAccountLinked(eventId, stamp, linkedGuestId, memberId));
            await db.SaveChangesAsync();
        }

        var before = await SnapshotAsync(memberId, linkedGuestId, eventId);

        // The guest's session, as today's Auth.Api wrote it to Redis.
        var guestToken = SecureToken.New();
        var storedSession = StoredSessionJson(guestToken, guestId, stamp);
        var redis = await ConnectionMultiplexer.ConnectAsync(fixture.Infrastructure.ConnectionStrings["redis"]);
        await using (redis)
        {
            var expiresAt = new DateTimeOffset(stamp.AddDays(7)).ToUnixTimeMilliseconds();
            await redis.GetDatabase().StringSetAsync(SessionKeys.Session(guestToken), storedSession, TimeSpan.FromDays(7));
            await redis.GetDatabase().StringSetAsync(SessionKeys.ActiveSessions(guestId),
                $$"""[{"token":"{{guestToken}}","expiresAt":{{expiresAt}}}]""", TimeSpan.FromDays(7));
        }

        // Starting the app migrates to the current head.
        var app = fixture.CreateApp(new() { ["ConnectionStrings:authdb"] = _connectionString });
        var member = fixture.CreateClient(app);
        await using (var db = FullModelContext())
        {
            Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        }

        Assert.Equal(before, await SnapshotAsync(memberId, linkedGuestId, eventId));
        await Eventually.HoldsAsync(async () => await ScalarAsync<bool>(
            "SELECT published_at IS NOT NULL FROM outbox_message WHERE event_id = $1", eventId), TimeSpan.FromSeconds(30));

        var signIn = await member.SignInAsync(memberEmail, Password);
        Assert.Equal(HttpStatusCode.OK, signIn.Status);
        Assert.Equal(memberId, signIn.UserId);
        Assert.False(signIn.Json.GetProperty("user").GetProperty("isAnonymous").GetBoolean());

        // get-session answers the stored session byte for byte, and the cart's reading of it still sees a guest.
        var guest = fixture.CreateClient(app);
        guest.SessionCookie = new SessionCookie(AuthApiFixture.Secret).Sign(guestToken);
        Assert.Equal(storedSession, (await guest.GetAsync("/get-session")).Body);
        var found = await app.Services.GetRequiredService<SessionReader>().FindAsync(guestToken);
        Assert.True(found!.User.Fields.IsTrue(SessionClaims.IsAnonymousField));

        // The guest links on sign-up, as a guest of the new schema would.
        var signUp = await guest.SignUpAsync(TestData.UniqueEmail("upgraded-guest"));
        Assert.Equal(HttpStatusCode.OK, signUp.Status);
        Assert.Equal(signUp.UserId, await ScalarAsync<string>("SELECT new_user_id FROM anonymous_link WHERE anonymous_user_id = $1", guestId));
        Assert.Equal(0L, await ScalarAsync<long>("""SELECT count(*) FROM "user" WHERE id = $1""", guestId));
        Assert.Equal(1L, await ScalarAsync<long>(
            "SELECT count(*) FROM outbox_message WHERE event_type = 'auth.anonymous-account-linked' AND payload->>'anonymousUserId' = $1", guestId));
        Assert.Equal(before, await SnapshotAsync(memberId, linkedGuestId, eventId));
    }

    private AuthDbContext FullModelContext() =>
        new(new DbContextOptionsBuilder<AuthDbContext>()
            .UseNpgsql(_connectionString)
            .UseAuthModel([AnonymousModel.Instance, SocialModel.Instance])
            .Options);

    /// <summary>Every pre-existing row, as text, so any change to one shows.</summary>
    private async Task<string> SnapshotAsync(string memberId, string linkedGuestId, Guid eventId)
    {
        var rows = new List<object?[]>();
        rows.AddRange(await Sql.RowsAsync(_connectionString, """SELECT * FROM "user" WHERE id = $1""", memberId));
        // The columns it had; later migrations add nullable ones (provider tokens) that its rows leave empty.
        rows.AddRange(await Sql.RowsAsync(_connectionString,
            """SELECT id, "accountId", "providerId", "userId", password, "createdAt", "updatedAt" FROM account WHERE "userId" = $1""", memberId));
        rows.AddRange(await Sql.RowsAsync(_connectionString, "SELECT * FROM anonymous_link WHERE anonymous_user_id = $1", linkedGuestId));
        // Its publication columns are the relay's to fill.
        rows.AddRange(await Sql.RowsAsync(_connectionString,
            "SELECT sequence, event_id, event_type, event_version, payload, trace_parent, trace_state, occurred_at FROM outbox_message WHERE event_id = $1", eventId));
        Assert.Equal(4, rows.Count);
        return string.Join("\n", rows.Select(row => string.Join("|", row.Select(value => Convert.ToString(value, CultureInfo.InvariantCulture)))));
    }

    private static string StoredSessionJson(string token, string userId, DateTime stamp)
    {
        static string Iso(DateTime value) => value.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        var session = $"\"id\":\"{SecureToken.New()}\",\"ipAddress\":\"127.0.0.1\",\"userAgent\":\"upgrade-test\",\"expiresAt\":\"{Iso(stamp.AddDays(7))}\","
            + $"\"userId\":\"{userId}\",\"token\":\"{token}\",\"createdAt\":\"{Iso(stamp)}\",\"updatedAt\":\"{Iso(stamp)}\"";
        var user = $"\"name\":\"Anonymous\",\"email\":\"temp@{userId.ToLowerInvariant()}.com\",\"emailVerified\":false,\"image\":null,"
            + $"\"createdAt\":\"{Iso(stamp)}\",\"updatedAt\":\"{Iso(stamp)}\",\"isAnonymous\":true,\"id\":\"{userId}\"";
        return "{\"session\":{" + session + "},\"user\":{" + user + "}}";
    }

    private Task ExecuteAsync(string sql, params object[] parameters) => Sql.ExecuteAsync(_connectionString, sql, parameters);

    private Task<T?> ScalarAsync<T>(string sql, params object[] parameters) => Sql.ScalarAsync<T>(_connectionString, sql, parameters);
}
