using System.Net;
using AspireAuth.TestSupport;
using StackExchange.Redis;

namespace AspireAuth.Auth.Api.Tests;

/// <summary>
/// Redis coming back with less than it acknowledged (restored from an older copy, or a crash inside its
/// fsync window): the relay sees the event stream ending before the last entry it published, publishes
/// the lost events again, and links since then revoke their guests' sessions again.
/// </summary>
[Collection(AuthApiCollection.Name)]
public sealed class RedisWriteLossTests(AuthApiFixture fixture) : IClassFixture<AuthApiFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly RedisKey Stream = "aspireauth:events";

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => fixture.DisposeAppsAsync();

    [Fact]
    public async Task Lost_stream_entries_are_published_again_and_lost_guest_revocations_are_redone()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.Infrastructure.ConnectionStrings["redis"] + ",allowAdmin=true");
        var database = redis.GetDatabase();
        var app = fixture.CreateApp(new() { ["Auth:Anonymous:GuestRevocationInterval"] = "00:00:00.200" });
        var client = fixture.CreateClient(app);
        var guest = await client.SignInAnonymousAsync();
        var guestKeys = new RedisKey[] { $"better-auth:{guest.Token}", $"better-auth:active-sessions-{guest.UserId}" };
        var olderCopy = await Task.WhenAll(guestKeys.Select(key => database.StringGetAsync(key)));

        Assert.Equal(HttpStatusCode.OK, (await client.SignUpAsync(TestData.UniqueEmail())).Status);
        var eventId = await fixture.QueryScalarAsync<Guid>(
            "SELECT event_id FROM outbox_message WHERE event_type = $1 AND payload->>'anonymousUserId' = $2", AuthDatabase.AccountLinked, guest.UserId);
        await Eventually.HoldsAsync(async () => await IsPublishedAndRevokedAsync(guest.UserId), Timeout);

        // Redis as an older copy of itself: the stream without the link's entry, the guest's session still there.
        await database.KeyDeleteAsync(Stream);
        for (var i = 0; i < guestKeys.Length; i++)
        {
            await database.StringSetAsync(guestKeys[i], olderCopy[i], TimeSpan.FromHours(1));
        }

        // Its clients reconnect, as they would to a restarted Redis.
        await redis.GetServer(redis.GetEndPoints().Single()).ExecuteAsync("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");

        await Eventually.HoldsAsync(async () => (await database.StreamRangeAsync(Stream))
            .Any(entry => entry["event_id"] == eventId.ToString()), Timeout);
        await Eventually.HoldsAsync(async () => !await database.KeyExistsAsync(guestKeys[0]), Timeout);
        Assert.Equal("null", (await client.GetAsync("/get-session", r => r.Headers.Authorization = new("Bearer", guest.Token))).Body);
    }

    private async Task<bool> IsPublishedAndRevokedAsync(string guestUserId) =>
        await fixture.QueryScalarAsync<long>("""
            SELECT count(*) FROM outbox_message m JOIN anonymous_link l ON l.anonymous_user_id = m.payload->>'anonymousUserId'
            WHERE l.anonymous_user_id = $1 AND m.published_at IS NOT NULL AND l.guest_sessions_revoked_at IS NOT NULL
            """, guestUserId) == 1;
}
