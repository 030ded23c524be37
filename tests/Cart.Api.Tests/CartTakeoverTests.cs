using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AspireAuth.EventBus;
using AspireAuth.TestSupport;
using StackExchange.Redis;

namespace AspireAuth.Cart.Api.Tests;

/// <summary>A guest's cart follows them into their account: exactly once, never lost.</summary>
[Collection(ShopCollection.Name)]
public sealed class CartTakeoverTests(ShopFixture shop) : IClassFixture<ShopFixture>
{
    private static readonly TimeSpan TakeoverDeadline = TimeSpan.FromSeconds(2);

    private static string NewEmail() => $"shopper+{Guid.NewGuid():N}@example.com";

    [Fact]
    public async Task Signing_up_takes_the_guest_cart_along_and_removes_it()
    {
        var shopper = shop.CreateShopper();
        var guestId = await shopper.SignInAnonymouslyAsync();
        await shopper.AddAsync(1, 2);
        await shopper.AddAsync(3, 1);

        await shopper.SignUpAsync(NewEmail());
        var cart = await shopper.WaitForCartAsync(c => c.Lines.Length == 2, TakeoverDeadline);

        Assert.Equal([(1, 2), (3, 1)], cart.Lines.Select(line => (line.ProductId, line.Quantity)));
        Assert.Equal(0L, await shop.QueryCartDbAsync<long>("SELECT count(*) FROM cart WHERE user_id = $1", guestId));
        Assert.False(await TakeoverPendingAsync(shopper, guestId));
    }

    [Fact]
    public async Task Signing_in_adds_the_guest_cart_to_the_existing_cart()
    {
        var email = NewEmail();
        var customer = shop.CreateShopper();
        await customer.SignUpAsync(email);
        await customer.AddAsync(1, 1);
        await customer.AddAsync(2, 98);
        await customer.SignOutAsync();

        var shopper = shop.CreateShopper();
        await shopper.SignInAnonymouslyAsync();
        await shopper.AddAsync(1, 2);
        await shopper.AddAsync(2, 5);
        await shopper.AddAsync(4, 1);
        await shopper.SignInAsync(email);
        var cart = await shopper.WaitForCartAsync(c => c.Lines.Length == 3, TakeoverDeadline);

        Assert.Equal([(1, 3), (2, 99), (4, 1)], cart.Lines.Select(line => (line.ProductId, line.Quantity)));
    }

    [Fact]
    public async Task A_guest_with_an_empty_cart_leaves_the_account_cart_untouched()
    {
        var email = NewEmail();
        var customer = shop.CreateShopper();
        await customer.SignUpAsync(email);
        await customer.AddAsync(6, 1);

        var shopper = shop.CreateShopper();
        var guestId = await shopper.SignInAnonymouslyAsync();
        await shopper.SignInAsync(email);
        await WaitForInboxAsync(guestId);

        Assert.Equal([(6, 1)], (await shopper.GetCartAsync()).Lines.Select(line => (line.ProductId, line.Quantity)));
    }

    [Fact]
    public async Task An_event_delivered_twice_is_taken_over_once()
    {
        var shopper = shop.CreateShopper();
        var guestId = await shopper.SignInAnonymouslyAsync();
        await shopper.AddAsync(7, 2);
        await shopper.SignUpAsync(NewEmail());
        await shopper.WaitForCartAsync(c => c.QuantityOf(7) == 2, TakeoverDeadline);

        var republished = await LinkEvents.RepublishLinkOfAsync(shop, guestId);

        Assert.Equal(2, (await shopper.GetCartAsync()).QuantityOf(7));
        Assert.Equal(1L, await shop.QueryCartDbAsync<long>("SELECT count(*) FROM inbox_message WHERE event_id = $1", republished));
    }

    [Fact]
    public async Task Forgetting_a_guest_deletes_their_cart()
    {
        var shopper = shop.CreateShopper();
        var guestId = await shopper.SignInAnonymouslyAsync();
        await shopper.AddAsync(8, 1);

        Assert.Equal(HttpStatusCode.OK, await shopper.ForgetMeAsync());

        await Eventually.HoldsAsync(async () => await shop.QueryCartDbAsync<long>("SELECT count(*) FROM cart WHERE user_id = $1", guestId) == 0, TakeoverDeadline);
    }

    [Fact]
    public async Task Takeover_status_tells_nothing_about_someone_elses_guest()
    {
        var guestWithCart = shop.CreateShopper();
        var guestWithCartId = await guestWithCart.SignInAnonymouslyAsync();
        await guestWithCart.AddAsync(2, 1);
        var guestWithoutCartId = await shop.CreateShopper().SignInAnonymouslyAsync();
        var stranger = shop.CreateShopper();
        await stranger.SignUpAsync(NewEmail());

        var answers = new[]
        {
            await TakeoverPendingAsync(stranger, guestWithCartId),
            await TakeoverPendingAsync(stranger, guestWithoutCartId),
            await TakeoverPendingAsync(stranger, SessionValidation.SecureToken.New()),
        };

        Assert.All(answers, pending => Assert.Equal(answers[0], pending));
        Assert.False(await TakeoverPendingAsync(guestWithCart, guestWithCartId), "nothing of one's own waits to be taken over by oneself");
    }

    [Fact]
    public async Task A_poison_event_is_dead_lettered_and_later_events_still_flow()
    {
        var database = shop.Redis.GetDatabase();
        var poisonId = Guid.NewGuid();
        await database.StreamAddAsync(EventStream.Key,
        [
            new(EventStream.Fields.EventId, poisonId.ToString()),
            new(EventStream.Fields.EventType, "auth.anonymous-account-linked"),
            new(EventStream.Fields.EventVersion, 1),
            new(EventStream.Fields.Payload, "{not json"),
            new(EventStream.Fields.OccurredAt, DateTime.UtcNow.ToString("O")),
        ]);
        await shop.Redis.GetSubscriber().PublishAsync(EventStream.NudgeChannel, "test");

        var shopper = shop.CreateShopper();
        await shopper.SignInAnonymouslyAsync();
        await shopper.AddAsync(9, 1);
        await shopper.SignUpAsync(NewEmail());

        await shopper.WaitForCartAsync(c => c.QuantityOf(9) == 1, TakeoverDeadline);
        var deadLetters = await database.StreamRangeAsync(EventStream.DeadLetterKey);
        var deadLetter = Assert.Single(deadLetters, entry => entry[EventStream.Fields.EventId] == poisonId.ToString());
        Assert.Contains("cannot be read", deadLetter[EventStream.Fields.Error].ToString(), StringComparison.Ordinal);
        Assert.Equal("cart-api", deadLetter[EventStream.Fields.ConsumerGroup].ToString());
    }

    [Fact]
    public async Task The_link_is_one_trace_from_sign_up_to_cart_takeover()
    {
        var traceId = ActivityTraceId.CreateRandom();
        var takenOver = new TaskCompletionSource<Activity>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == Microsoft.Extensions.Hosting.AspireAuthTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.Kind == ActivityKind.Consumer && activity.TraceId == traceId)
                {
                    takenOver.TrySetResult(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        var shopper = shop.CreateShopper();
        await shopper.SignInAnonymouslyAsync();
        await shopper.AddAsync(10, 1);
        using var http = shop.Auth.CreateClient();
        using var signUp = new HttpRequestMessage(HttpMethod.Post, "/api/auth/sign-up/email")
        {
            Content = JsonContent.Create(new { name = "Tracy", email = NewEmail(), password = "correct-horse-battery" }),
        };
        signUp.Headers.Authorization = new("Bearer", shopper.Token);
        signUp.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        using var response = await http.SendAsync(signUp);
        response.EnsureSuccessStatusCode();

        var consumerSpan = await takenOver.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("auth.anonymous-account-linked process", consumerSpan.DisplayName);
        Assert.Equal(traceId, consumerSpan.TraceId);
        var storedTraceParent = await shop.QueryAuthDbAsync<string>(
            "SELECT trace_parent FROM outbox_message WHERE event_type = 'auth.anonymous-account-linked' ORDER BY sequence DESC LIMIT 1");
        Assert.Contains(traceId.ToString(), storedTraceParent, StringComparison.Ordinal);
    }

    private async Task WaitForInboxAsync(string guestId) =>
        await Eventually.HoldsAsync(async () =>
        {
            var eventId = await shop.QueryAuthDbAsync<Guid>("SELECT event_id FROM outbox_message WHERE payload->>'anonymousUserId' = $1", guestId);
            return eventId != Guid.Empty && await shop.QueryCartDbAsync<long>("SELECT count(*) FROM inbox_message WHERE event_id = $1", eventId) == 1;
        }, TakeoverDeadline);

    private static async Task<bool> TakeoverPendingAsync(ShopClient shopper, string guestId)
    {
        using var response = await shopper.SendCartAsync(HttpMethod.Get, $"/api/cart/merge-status?from={guestId}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("pending").GetBoolean();
    }
}
