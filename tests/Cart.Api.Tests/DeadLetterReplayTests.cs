using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AspireAuth.Cart.Api.Data;
using AspireAuth.EventBus;
using AspireAuth.IntegrationEvents;
using AspireAuth.TestSupport;
using Microsoft.AspNetCore.Mvc.Testing;
using StackExchange.Redis;

namespace AspireAuth.Cart.Api.Tests;

/// <summary>
/// The operator's "Replay dead letters" (the dashboard command calls it): Cart.Api's admin endpoint, on its own port
/// and behind the admin secret, puts dead letters back on the stream for the group that gave up on them.
/// </summary>
[Collection(ShopCollection.Name)]
public sealed class DeadLetterReplayTests(ShopFixture shop) : IClassFixture<ShopFixture>, IAsyncLifetime
{
    private const string AdminSecret = "cart-api-tests-admin-secret-0123456789-abcdef";

    private readonly AdminPort _admin = AdminPort.Reserve(AdminSecret);

    private WebApplicationFactory<CartDbContext> _app = null!;

    private IDatabase Redis => shop.Redis.GetDatabase();

    public async Task InitializeAsync()
    {
        // Each test counts the dead letters it made.
        await Redis.KeyDeleteAsync(EventStream.DeadLetterKey);
        _app = StartAdminCart();
    }

    public Task DisposeAsync()
    {
        _admin.Dispose();
        return shop.StopAsync(_app);
    }

    [Fact]
    public async Task Replaying_all_re_enqueues_each_event_for_its_group_and_skips_what_cannot_be_decoded()
    {
        var (guest, account) = await GuestAndAccountAsync(productId: 5, quantity: 2);
        var eventId = Guid.NewGuid();
        var deadLetter = await DeadLetterAsync(LinkEnvelope(eventId, guest, account));
        var undecodable = (await Redis.StreamAddAsync(EventStream.DeadLetterKey,
            [new("hello", "world"), new(EventStream.Fields.Error, "it has no event id"), new(EventStream.Fields.ConsumerGroup, "cart-api")])).ToString();

        var report = await ReplayAsync();

        Assert.Equal("1 replayed, 1 skipped", report.Message);
        var replayed = Assert.Single(report.Replayed);
        Assert.Equal((deadLetter, eventId, AnonymousAccountLinked.EventType, "cart-api"),
            (replayed.DeadLetterId, replayed.EventId, replayed.EventType, replayed.ConsumerGroup));
        var skipped = Assert.Single(report.Skipped);
        Assert.Equal(undecodable, skipped.DeadLetterId);
        Assert.Contains("'event_id'", skipped.Reason, StringComparison.Ordinal);

        // Applied, addressed to Cart.Api's group only, and only the undecodable one is left.
        await shop.WaitForInboxAsync(eventId);
        Assert.Equal([(5, 2)], await shop.CartLinesOfAsync(account));
        var copy = Assert.Single(await Redis.StreamRangeAsync(EventStream.Key, replayed.StreamEntryId, replayed.StreamEntryId));
        Assert.Equal("cart-api", copy[EventStream.Fields.ReplayForGroup].ToString());
        Assert.Equal([undecodable], (await Redis.StreamRangeAsync(EventStream.DeadLetterKey)).Select(entry => entry.Id.ToString()));
    }

    [Fact]
    public async Task A_dead_letter_of_another_group_is_replayed_for_that_group_only_and_one_without_a_group_for_every_group()
    {
        var (otherGuest, otherAccount) = await GuestAndAccountAsync(productId: 8, quantity: 1);
        var (oldGuest, oldAccount) = await GuestAndAccountAsync(productId: 9, quantity: 1);
        var forOtherGroup = Guid.NewGuid();
        var withoutGroup = Guid.NewGuid();
        await DeadLetterAsync(LinkEnvelope(forOtherGroup, otherGuest, otherAccount), group: "some-other-service");
        // As the consumer wrote dead letters before it recorded the group.
        await Redis.StreamAddAsync(EventStream.DeadLetterKey,
            [.. LinkEnvelope(withoutGroup, oldGuest, oldAccount).ToStreamFields(), new(EventStream.Fields.Error, "the handler failed 3 times")]);

        var report = await ReplayAsync();

        Assert.Equal("2 replayed, 0 skipped", report.Message);
        var toOther = Assert.Single(report.Replayed, replayed => replayed.EventId == forOtherGroup);
        var toEvery = Assert.Single(report.Replayed, replayed => replayed.EventId == withoutGroup);
        Assert.Equal("some-other-service", toOther.ConsumerGroup);
        Assert.Null(toEvery.ConsumerGroup);
        await shop.WaitForInboxAsync(withoutGroup);
        Assert.Equal([(9, 1)], await shop.CartLinesOfAsync(oldAccount));
        // Cart.Api's group was handed the other group's copy and let it be.
        await WaitUntilHandledAsync(toOther.StreamEntryId);
        Assert.Empty(await shop.CartLinesOfAsync(otherAccount));
        Assert.Equal(0L, await shop.QueryCartDbAsync<long>("SELECT count(*) FROM inbox_message WHERE event_id = $1", forOtherGroup));
    }

    [Fact]
    public async Task Replaying_one_event_id_replays_only_that_event()
    {
        var (firstGuest, firstAccount) = await GuestAndAccountAsync(productId: 3, quantity: 1);
        var (secondGuest, secondAccount) = await GuestAndAccountAsync(productId: 4, quantity: 1);
        var first = Guid.NewGuid();
        var second = Guid.NewGuid();
        await DeadLetterAsync(LinkEnvelope(first, firstGuest, firstAccount));
        var secondDeadLetter = await DeadLetterAsync(LinkEnvelope(second, secondGuest, secondAccount));

        var report = await ReplayAsync($"?eventId={first}");

        Assert.Equal("1 replayed, 0 skipped", report.Message);
        Assert.Equal(first, Assert.Single(report.Replayed).EventId);
        await shop.WaitForInboxAsync(first);
        Assert.Equal([(3, 1)], await shop.CartLinesOfAsync(firstAccount));
        Assert.Equal([secondDeadLetter], (await Redis.StreamRangeAsync(EventStream.DeadLetterKey)).Select(entry => entry.Id.ToString()));
        Assert.Empty(await shop.CartLinesOfAsync(secondAccount));
    }

    [Fact]
    public async Task An_unknown_event_id_is_404_and_a_malformed_one_400()
    {
        await DeadLetterAsync(LinkEnvelope(Guid.NewGuid(), "some-guest", "some-account"));

        using var unknown = await _admin.PostAsync($"/admin/dead-letters/replay?eventId={Guid.NewGuid()}");
        using var malformed = await _admin.PostAsync("/admin/dead-letters/replay?eventId=not-an-id");

        await AssertErrorAsync(unknown, HttpStatusCode.NotFound, "DEAD_LETTER_NOT_FOUND");
        await AssertErrorAsync(malformed, HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        Assert.Equal(1, await Redis.StreamLengthAsync(EventStream.DeadLetterKey));
    }

    /// <summary>
    /// A replay that runs twice for one dead letter — replayed again by hand, or its process stopped after the event was
    /// re-enqueued and before the dead letter was deleted — delivers the event twice; the takeover happens once.
    /// </summary>
    [Fact]
    public async Task A_dead_letter_replayed_twice_is_applied_once()
    {
        var (guest, account) = await GuestAndAccountAsync(productId: 6, quantity: 2);
        var eventId = Guid.NewGuid();
        var envelope = LinkEnvelope(eventId, guest, account);
        await DeadLetterAsync(envelope);
        await ReplayAsync();
        await shop.WaitForInboxAsync(eventId);

        // The dead letter is back, as if its deletion had never happened, and the guest has lines again: a second
        // takeover would move them into the account.
        await DeadLetterAsync(envelope);
        await Sql.ExecuteAsync(shop.Infrastructure.ConnectionStrings["cartdb"], "INSERT INTO cart (user_id, updated_at) VALUES ($1, now())", guest);
        await Sql.ExecuteAsync(shop.Infrastructure.ConnectionStrings["cartdb"], "INSERT INTO cart_line (user_id, product_id, quantity) VALUES ($1, 7, 3)", guest);
        var again = Assert.Single((await ReplayAsync()).Replayed);
        await WaitUntilHandledAsync(again.StreamEntryId);

        Assert.Equal([(6, 2)], await shop.CartLinesOfAsync(account));
        Assert.Equal([(7, 3)], await shop.CartLinesOfAsync(guest));
        Assert.Equal(1L, await shop.QueryCartDbAsync<long>("SELECT count(*) FROM inbox_message WHERE event_id = $1", eventId));
        Assert.Equal(0, await Redis.StreamLengthAsync(EventStream.DeadLetterKey));
    }

    [Fact]
    public async Task A_dead_letter_is_kept_when_its_event_cannot_be_re_enqueued()
    {
        var deadLetter = await DeadLetterAsync(LinkEnvelope(Guid.NewGuid(), "some-guest", "some-account"));
        // The stream, groups and all, set aside; in its place a key no event can be appended to.
        var aside = $"{EventStream.Key}:aside-{Guid.NewGuid():N}";
        await Redis.KeyRenameAsync(EventStream.Key, aside);
        try
        {
            await Redis.StringSetAsync(EventStream.Key, "not a stream");
            using var response = await _admin.PostAsync("/admin/dead-letters/replay");
            Assert.False(response.IsSuccessStatusCode, $"the replay answered {(int)response.StatusCode}");
        }
        finally
        {
            await Redis.KeyDeleteAsync(EventStream.Key);
            await Redis.KeyRenameAsync(aside, EventStream.Key);
        }

        Assert.Equal([deadLetter], (await Redis.StreamRangeAsync(EventStream.DeadLetterKey)).Select(entry => entry.Id.ToString()));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer not-the-admin-secret")]
    [InlineData("Bearer " + ShopFixture.Secret)]
    [InlineData(AdminSecret)]
    public async Task Without_the_admin_secret_as_bearer_token_the_answer_is_401(string? authorization)
    {
        await DeadLetterAsync(LinkEnvelope(Guid.NewGuid(), "some-guest", "some-account"));

        using var response = await _admin.PostAsync("/admin/dead-letters/replay", _admin.AdminBase, authorization);

        await AssertErrorAsync(response, HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        Assert.Equal(1, await Redis.StreamLengthAsync(EventStream.DeadLetterKey));
    }

    [Fact]
    public async Task The_admin_endpoints_are_not_on_the_public_port_nor_without_an_admin_port()
    {
        await DeadLetterAsync(LinkEnvelope(Guid.NewGuid(), "some-guest", "some-account"));

        // The public port, even with the right secret and a Host header naming the admin port.
        using var onPublicPort = await _admin.PostAsync("/admin/dead-letters/replay", _admin.PublicBase, $"Bearer {AdminSecret}", host: $"localhost:{_admin.Port}");
        // The fixture's Cart.Api has no admin port configured.
        using var withoutAdminPort = await shop.Cart.CreateClient().SendAsync(
            new HttpRequestMessage(HttpMethod.Post, "/admin/dead-letters/replay") { Headers = { Authorization = new("Bearer", AdminSecret) } });

        Assert.Equal(HttpStatusCode.NotFound, onPublicPort.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, withoutAdminPort.StatusCode);
        Assert.Equal(1, await Redis.StreamLengthAsync(EventStream.DeadLetterKey));
    }

    /// <summary>A Cart.Api served by Kestrel on a public port and an admin port, as the AppHost runs it.</summary>
    private WebApplicationFactory<CartDbContext> StartAdminCart()
    {
        var app = shop.CreateApp<CartDbContext>(new Dictionary<string, string?>
        {
            // A second member of the cart-api group beside the fixture's Cart.Api.
            ["Messaging:Consumer:ConsumerName"] = $"admin-tests-{Guid.NewGuid():N}",
            ["Messaging:Consumer:ClaimIdleTime"] = "00:00:01",
            ["Hosting:ResilientLoops:MaxBackoff"] = "00:00:01",
        }.Concat(_admin.Settings));
        _admin.Serve(app);
        return app;
    }

    private async Task<DeadLetterReplayReport> ReplayAsync(string query = "")
    {
        using var response = await _admin.PostAsync($"/admin/dead-letters/replay{query}");
        Assert.True(response.IsSuccessStatusCode, $"replay: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<DeadLetterReplayReport>(JsonSerializerOptions.Web))!;
    }

    private static async Task AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(code, body.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("message").GetString()));
    }

    /// <summary>A guest with a cart line and an account of its own, not linked: what a link event joins.</summary>
    private async Task<(string Guest, string Account)> GuestAndAccountAsync(int productId, int quantity)
    {
        var guest = shop.CreateShopper();
        await guest.SignInAnonymouslyAsync();
        await guest.AddAsync(productId, quantity);
        var account = shop.CreateShopper();
        await account.SignUpAsync($"replay+{Guid.NewGuid():N}@example.com");
        return (guest.UserId!, account.UserId!);
    }

    private static EventEnvelope LinkEnvelope(Guid eventId, string guest, string account)
    {
        var occurredAt = DateTime.UtcNow;
        return new EventEnvelope(eventId, AnonymousAccountLinked.EventType, AnonymousAccountLinked.EventVersion,
            IntegrationEventSerializer.Serialize(new AnonymousAccountLinked(eventId, occurredAt, guest, account)), null, null, occurredAt, 0);
    }

    /// <summary>Writes a dead letter as Cart.Api's consumer does when it gives up on an entry; returns its id.</summary>
    private async Task<string> DeadLetterAsync(EventEnvelope envelope, string group = LinkEvents.CartConsumerGroup) =>
        (await Redis.StreamAddAsync(EventStream.DeadLetterKey,
        [
            .. envelope.ToStreamFields(),
            new(EventStream.Fields.Error, "the handler failed 3 times"),
            new(EventStream.Fields.ConsumerGroup, group),
            new(EventStream.Fields.OriginalEntryId, "1-0"),
        ])).ToString();

    /// <summary>Until Cart.Api's group was handed the entry and acknowledged it.</summary>
    private Task WaitUntilHandledAsync(string streamEntryId) =>
        Eventually.HoldsAsync(async () =>
        {
            var group = (await Redis.StreamGroupInfoAsync(EventStream.Key)).Single(group => group.Name == LinkEvents.CartConsumerGroup);
            return StreamId.Parse(group.LastDeliveredId!) >= StreamId.Parse(streamEntryId)
                && await LinkEvents.PendingAsync(shop.Redis) == 0;
        }, TimeSpan.FromSeconds(10));
}
