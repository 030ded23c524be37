using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using AspireAuth.Auth.Api.Outbox;
using AspireAuth.Cart.Api.Linking;
using AspireAuth.EventBus;
using AspireAuth.TestSupport;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AspireAuth.Cart.Api.Tests;

/// <summary>The inbox and the linked guests are forgotten after their retention, never before a republish could need them; dead letters are measured.</summary>
[Collection(ShopCollection.Name)]
public sealed class InboxRetentionTests(ShopFixture shop) : IClassFixture<ShopFixture>
{
    [Fact]
    public async Task Inbox_rows_and_linked_guests_past_retention_are_deleted_in_batches_and_recent_ones_kept()
    {
        var retention = shop.Cart.Services.GetRequiredService<IOptions<InboxOptions>>().Value.Retention;
        var expiredAge = retention + TimeSpan.FromHours(1);
        var keptAge = retention - TimeSpan.FromHours(1);
        Guid[] expiredEvents = [Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid()];
        Guid[] keptEvents = [Guid.NewGuid(), Guid.NewGuid()];
        string[] expiredGuests = [NewGuestId(), NewGuestId(), NewGuestId()];
        string[] keptGuests = [NewGuestId(), NewGuestId()];
        foreach (var eventId in expiredEvents)
        {
            await InsertInboxRowAsync(eventId, expiredAge);
        }

        await InsertInboxRowAsync(keptEvents[0], keptAge);
        await InsertInboxRowAsync(keptEvents[1], TimeSpan.FromMinutes(1));
        foreach (var guestId in expiredGuests)
        {
            await InsertLinkedGuestAsync(guestId, expiredAge);
        }

        await InsertLinkedGuestAsync(keptGuests[0], keptAge);
        await InsertLinkedGuestAsync(keptGuests[1], TimeSpan.FromMinutes(1));

        var expiredCounted = new ConcurrentQueue<(object? Scope, long Value)>();
        using var listener = Listen("aspireauth.events.inbox.expired", (scope, value) => expiredCounted.Enqueue((scope, value)));
        // Batches smaller than what expired, so a pass has to page; the instance's own first pass may race this one.
        var cart = shop.StartCart(new() { ["Messaging:Inbox:CleanupBatchSize"] = "2" });
        await Cleanup(cart).RunOnceAsync(CancellationToken.None);

        var meters = cart.Services.GetRequiredService<IMeterFactory>();
        await Eventually.HoldsAsync(async () =>
            await CountAsync("inbox_message", "event_id", expiredEvents) == 0
            && await CountAsync("linked_guest", "guest_user_id", expiredGuests) == 0
            && expiredCounted.Where(measurement => measurement.Scope == meters).Sum(measurement => measurement.Value) == expiredEvents.Length,
            TimeSpan.FromSeconds(5));
        Assert.Equal(keptEvents.Length, await CountAsync("inbox_message", "event_id", keptEvents));
        Assert.Equal(keptGuests.Length, await CountAsync("linked_guest", "guest_user_id", keptGuests));
        await shop.StopAsync(cart);
    }

    [Fact]
    public async Task An_event_republished_at_the_end_of_the_outbox_window_is_still_not_applied_twice()
    {
        var shopper = shop.CreateShopper();
        var guestId = await shopper.SignInAnonymouslyAsync();
        await shopper.SignUpAsync($"retention+{Guid.NewGuid():N}@example.com");
        var eventId = await shop.QueryAuthDbAsync<Guid>("SELECT event_id FROM outbox_message WHERE payload->>'anonymousUserId' = $1", guestId);
        await Eventually.HoldsAsync(async () =>
            await shop.QueryCartDbAsync<long>("SELECT count(*) FROM inbox_message WHERE event_id = $1", eventId) == 1, TimeSpan.FromSeconds(10));

        // Handled as long ago as the outbox still keeps the event for republishing: the oldest inbox row a republish can meet.
        var outboxRetention = shop.Auth.Services.GetRequiredService<IOptions<OutboxOptions>>().Value.Retention;
        var processedAt = await shop.QueryCartDbAsync<DateTime>(
            "UPDATE inbox_message SET processed_at = now() - $2 WHERE event_id = $1 RETURNING processed_at", eventId, outboxRetention);
        await Cleanup(shop.Cart).RunOnceAsync(CancellationToken.None);
        await LinkEvents.RepublishLinkOfAsync(shop, guestId);

        // Still the first delivery's row: the republished copy found it and skipped the takeover (a forgotten id would
        // have been inserted anew, with the time of the second takeover).
        Assert.Equal(processedAt, await shop.QueryCartDbAsync<DateTime>("SELECT processed_at FROM inbox_message WHERE event_id = $1", eventId));
    }

    [Fact]
    public async Task The_dead_letter_gauge_reports_the_length_of_the_dead_letter_stream()
    {
        var meters = shop.Cart.Services.GetRequiredService<IMeterFactory>();
        var latest = -1L;
        using var listener = Listen("aspireauth.events.dead_letters", (scope, value) =>
        {
            if (scope == meters)
            {
                Interlocked.Exchange(ref latest, value);
            }
        });
        var database = shop.Redis.GetDatabase();
        var before = await database.StreamLengthAsync(EventStream.DeadLetterKey);
        await Eventually.HoldsAsync(() => Task.FromResult(Observe(listener, ref latest) == before), TimeSpan.FromSeconds(15));

        var poisonId = await database.StreamAddAsync(EventStream.Key, [new NameValueEntry("hello", "world")]);
        await shop.Redis.GetSubscriber().PublishAsync(EventStream.NudgeChannel, poisonId.ToString());

        // The gauge reads at most every few seconds: wait for the next read after the consumer dead-lettered the entry.
        await Eventually.HoldsAsync(() => Task.FromResult(Observe(listener, ref latest) == before + 1), TimeSpan.FromSeconds(15));
        Assert.Equal(before + 1, await database.StreamLengthAsync(EventStream.DeadLetterKey));
    }

    private static long Observe(MeterListener listener, ref long latest)
    {
        Interlocked.Exchange(ref latest, -1);
        listener.RecordObservableInstruments();
        return Interlocked.Read(ref latest);
    }

    private static MeterListener Listen(string instrumentName, Action<object?, long> measured)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "AspireAuth" && instrument.Name == instrumentName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => measured(instrument.Meter.Scope, value));
        listener.Start();
        return listener;
    }

    private static InboxCleanup Cleanup(WebApplicationFactory<Data.CartDbContext> cart) =>
        cart.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<InboxCleanup>().Single();

    private static string NewGuestId() => $"guest-{Guid.NewGuid():N}";

    private Task InsertInboxRowAsync(Guid eventId, TimeSpan age) =>
        Sql.ExecuteAsync(shop.Infrastructure.ConnectionStrings["cartdb"],
            "INSERT INTO inbox_message (event_id, consumer, event_type, processed_at) VALUES ($1, 'cart-merge', 'auth.anonymous-account-linked', now() - $2)",
            eventId, age);

    private Task InsertLinkedGuestAsync(string guestId, TimeSpan age) =>
        Sql.ExecuteAsync(shop.Infrastructure.ConnectionStrings["cartdb"],
            "INSERT INTO linked_guest (guest_user_id, user_id, linked_at) VALUES ($1, $2, now() - $3)",
            guestId, $"user-{Guid.NewGuid():N}", age);

    private async Task<long> CountAsync<T>(string table, string column, T[] keys) =>
        await shop.QueryCartDbAsync<long>($"SELECT count(*) FROM {table} WHERE {column} = ANY($1)", keys);
}
