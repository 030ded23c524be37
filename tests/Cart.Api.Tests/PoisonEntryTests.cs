using AspireAuth.EventBus;
using AspireAuth.TestSupport;
using StackExchange.Redis;

namespace AspireAuth.Cart.Api.Tests;

/// <summary>
/// Whatever makes a stream entry undecodable, Cart.Api moves it to the dead-letter stream with its raw fields and the
/// error, acknowledges it, and goes on to the next entry.
/// </summary>
[Collection(ShopCollection.Name)]
public sealed class PoisonEntryTests(ShopFixture shop) : IClassFixture<ShopFixture>
{
    private const string Linked = "auth.anonymous-account-linked";
    private const string ValidPayload = """{"eventId":"0b0f5c8e-5f7e-4c59-9d1a-3f2d1f7f4a10","occurredAt":"2026-12-03T08:00:00.000Z","anonymousUserId":"a","newUserId":"b"}""";

    /// <summary>A case's name, its fields (in stream order) and a fragment the dead letter's error must name.</summary>
    public static TheoryData<string, (string Name, string Value)[], string> Entries => new()
    {
        { "version does not fit an int", Envelope(("version", "99999999999"), ("type", "x"), ("payload", "{}")), "'version'" },
        { "version is not a number", Envelope(("version", "one")), "'version'" },
        { "version is negative", Envelope(("version", "-1")), "'version'" },
        { "event id missing", Envelope(("event_id", null)), "'event_id'" },
        { "event id is not a guid", Envelope(("event_id", "not-a-guid")), "'event_id'" },
        { "type empty", Envelope(("type", "")), "'type'" },
        { "payload empty", Envelope(("payload", "")), "'payload'" },
        { "occurred_at is not a date", Envelope(("occurred_at", "yesterday")), "'occurred_at'" },
        { "outbox_sequence does not fit a long", Envelope(("outbox_sequence", "99999999999999999999")), "'outbox_sequence'" },
        { "a field given twice", [.. Envelope(), ("event_id", Guid.NewGuid().ToString())], "'event_id' is given 2 times" },
        { "only foreign fields", [("hello", "world")], "'event_id'" },
        { "payload is not JSON", Envelope(("payload", "{not json")), "cannot be read" },
        { "payload is JSON of another shape", Envelope(("payload", "[1,2,3]")), "cannot be read" },
        { "payload is null", Envelope(("payload", "null")), "cannot be read" },
        { "payload misses properties", Envelope(("payload", "{}")), "cannot be read" },
        { "payload has null for a user id", Envelope(("payload", ValidPayload.Replace("\"b\"", "null", StringComparison.Ordinal))), "cannot be read" },
        { "payload has a number for a user id", Envelope(("payload", ValidPayload.Replace("\"b\"", "5", StringComparison.Ordinal))), "cannot be read" },
        { "payload has a bad date", Envelope(("payload", ValidPayload.Replace("2026-12-03T08:00:00.000Z", "soon", StringComparison.Ordinal))), "cannot be read" },
        { "a version this service does not handle", Envelope(("version", "2")), "is not handled here" },
    };

    [Theory]
    [MemberData(nameof(Entries))]
    public async Task An_undecodable_entry_is_dead_lettered_with_its_raw_fields_and_the_next_one_is_applied(
        string why, (string Name, string Value)[] fields, string expectedError)
    {
        var database = shop.Redis.GetDatabase();
        var raw = fields.Select(field => new NameValueEntry(field.Name, field.Value)).ToArray();
        var poisonId = (await database.StreamAddAsync(EventStream.Key, raw)).ToString();
        await shop.Redis.GetSubscriber().PublishAsync(EventStream.NudgeChannel, poisonId);

        // A real link published after it: applied only if the consumer survived the poison.
        var shopper = shop.CreateShopper();
        await shopper.SignInAnonymouslyAsync();
        await shopper.AddAsync(5, 2);
        await shopper.SignUpAsync($"poison+{Guid.NewGuid():N}@example.com");
        await shopper.WaitForCartAsync(cart => cart.QuantityOf(5) == 2, TimeSpan.FromSeconds(10));

        var deadLetter = Assert.Single(await database.StreamRangeAsync(EventStream.DeadLetterKey),
            entry => entry["original_entry_id"] == poisonId);
        Assert.Equal(raw.Select(field => (field.Name.ToString(), field.Value.ToString())),
            deadLetter.Values.Take(raw.Length).Select(field => (field.Name.ToString(), field.Value.ToString())));
        Assert.Contains(expectedError, deadLetter[EventStream.Fields.Error].ToString(), StringComparison.Ordinal);
        Assert.Equal("cart-api", deadLetter[EventStream.Fields.ConsumerGroup].ToString());
        var pending = await database.StreamPendingMessagesAsync(EventStream.Key, "cart-api", 100, RedisValue.Null);
        Assert.True(pending.All(message => message.MessageId != poisonId), $"The entry ({why}) is still pending.");
    }

    /// <summary>A well-formed link envelope, with some fields replaced (or removed, given null).</summary>
    private static (string Name, string Value)[] Envelope(params (string Name, string? Value)[] changes)
    {
        (string Name, string? Value)[] fields =
        [
            (EventStream.Fields.EventId, Guid.NewGuid().ToString()),
            (EventStream.Fields.EventType, Linked),
            (EventStream.Fields.EventVersion, "1"),
            (EventStream.Fields.Payload, ValidPayload),
            (EventStream.Fields.OccurredAt, "2026-12-03T08:00:00.0000000Z"),
            (EventStream.Fields.OutboxSequence, "1"),
        ];
        foreach (var (name, value) in changes)
        {
            fields = fields.Select(field => field.Name == name ? (name, value) : field).ToArray();
        }

        return fields.Where(field => field.Value is not null).Select(field => (field.Name, field.Value!)).ToArray();
    }
}
