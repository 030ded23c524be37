using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using AspireAuth.EventBus;
using AspireAuth.IntegrationEvents;
using AspireAuth.TestSupport;
using Npgsql;
using StackExchange.Redis;

namespace AspireAuth.AppHost.Tests;

/// <summary>
/// The dashboard's operator commands, executed as the dashboard executes them (with their arguments), against the
/// running app: each reaches its service's admin endpoint with the generated secret and shows the answer.
/// </summary>
[Collection(AspireAppCollection.Name)]
public sealed class OperatorCommandTests(AspireAppFixture fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Replay_dead_letters_replays_one_event_or_all_and_says_what_it_did()
    {
        // A guest and an account, not linked (Aspire's clients keep cookies: one each).
        using var guestAuth = fixture.App.CreateHttpClient("auth-api");
        using var accountAuth = fixture.App.CreateHttpClient("auth-api");
        using var cart = fixture.App.CreateHttpClient("cart-api");
        var (guestToken, guestId) = await PostAuthAsync(guestAuth, "/api/auth/sign-in/anonymous", null);
        await ShopperFlows.AddToCartAsync(cart, guestToken, 2, 3);
        var (accountToken, accountId) = await PostAuthAsync(accountAuth, "/api/auth/sign-up/email",
            new { name = "Robin", email = $"replay+{Guid.NewGuid():N}@example.com", password = "correct-horse-battery" });
        var eventId = Guid.NewGuid();
        var occurredAt = DateTime.UtcNow;
        var envelope = new EventEnvelope(eventId, AnonymousAccountLinked.EventType, AnonymousAccountLinked.EventVersion,
            IntegrationEventSerializer.Serialize(new AnonymousAccountLinked(eventId, occurredAt,
                guestId, accountId)), null, null, occurredAt, 0);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(await fixture.App.GetConnectionStringAsync("redis") ?? "");
        var database = redis.GetDatabase();
        await database.StreamAddAsync(EventStream.DeadLetterKey,
            [.. envelope.ToStreamFields(), new(EventStream.Fields.Error, "failed"), new(EventStream.Fields.ConsumerGroup, "cart-api")]);
        var undecodable = await database.StreamAddAsync(EventStream.DeadLetterKey,
            [new("no", "envelope"), new(EventStream.Fields.Error, "failed"), new(EventStream.Fields.ConsumerGroup, "cart-api")]);
        try
        {
            var one = await ExecuteAsync("cart-api", "replay-dead-letters", ("eventId", eventId.ToString()));
            Assert.True(one.Success, one.Message);
            Assert.Equal("1 replayed, 0 skipped", one.Message);
            Assert.Equal([(2, 3)], await ShopperFlows.WaitForCartAsync(cart, accountToken, lines => lines.Count > 0, Timeout));

            var all = await ExecuteAsync("cart-api", "replay-dead-letters");
            Assert.True(all.Success, all.Message);
            Assert.Equal("0 replayed, 1 skipped", all.Message);

            var unknown = await ExecuteAsync("cart-api", "replay-dead-letters", ("eventId", Guid.NewGuid().ToString()));
            Assert.False(unknown.Success);
            Assert.StartsWith("404: No dead letter has event id", unknown.Message, StringComparison.Ordinal);
        }
        finally
        {
            await database.StreamDeleteAsync(EventStream.DeadLetterKey, [undecodable]);
        }
    }

    [Fact]
    public async Task Clean_up_stale_guests_now_deletes_them_and_says_how_many()
    {
        using var auth = fixture.App.CreateHttpClient("auth-api");
        var (guestToken, guestId) = await PostAuthAsync(auth, "/api/auth/sign-in/anonymous", null);
        using (var signOut = new HttpRequestMessage(HttpMethod.Post, "/api/auth/sign-out"))
        {
            signOut.Headers.Authorization = new AuthenticationHeaderValue("Bearer", guestToken);
            signOut.Headers.Add("Origin", auth.BaseAddress!.GetLeftPart(UriPartial.Authority));
            using var signedOut = await auth.SendAsync(signOut);
            signedOut.EnsureSuccessStatusCode();
        }

        await using var db = new NpgsqlConnection(await fixture.App.GetConnectionStringAsync("authdb"));
        await db.OpenAsync();
        // Stale: signed out, and old.
        await using (var age = new NpgsqlCommand("""UPDATE "user" SET "createdAt" = now() - interval '31 days' WHERE id = $1""", db) { Parameters = { new() { Value = guestId } } })
        {
            await age.ExecuteNonQueryAsync();
        }

        var result = await ExecuteAsync("auth-api", "clean-up-stale-guests");

        Assert.True(result.Success, result.Message);
        Assert.Equal("1 stale guest(s) deleted", result.Message);
        await using var exists = new NpgsqlCommand("""SELECT count(*) FROM "user" WHERE id = $1""", db) { Parameters = { new() { Value = guestId } } };
        Assert.Equal(0L, (long)(await exists.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task Republish_link_events_since_takes_the_time_as_its_argument_and_rejects_a_bad_one()
    {
        using var auth = fixture.App.CreateHttpClient("auth-api");
        var since = DateTime.UtcNow.AddSeconds(-1);
        await ShopperFlows.SignUpAsync(auth, await ShopperFlows.SignInAnonymouslyAsync(auth), $"republish+{Guid.NewGuid():N}@example.com");

        var result = await ExecuteAsync("auth-api", "republish-link-events", ("since", since.ToString("O")));
        var bad = await ExecuteAsync("auth-api", "republish-link-events", ("since", "yesterday"));

        Assert.True(result.Success, result.Message);
        Assert.Matches(@"^[1-9]\d* event\(s\) since .* will be published again$", result.Message);
        Assert.False(bad.Success);
        Assert.StartsWith("400: since must be a time in ISO 8601", bad.Message, StringComparison.Ordinal);
    }

    private async Task<ExecuteCommandResult> ExecuteAsync(string resource, string command, params (string Name, string Value)[] arguments)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        return await fixture.App.ResourceCommands.ExecuteCommandAsync(resource, command,
            new InteractionInputCollection([.. arguments.Select(argument =>
                new InteractionInput { Name = argument.Name, InputType = InputType.Text, Value = argument.Value })]),
            timeout.Token);
    }

    /// <summary>A sign-in or sign-up: the session's token and its user's id.</summary>
    private static async Task<(string Token, string UserId)> PostAuthAsync(HttpClient auth, string path, object? body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Add("Origin", auth.BaseAddress!.GetLeftPart(UriPartial.Authority));
        using var response = await auth.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (json.GetProperty("token").GetString()!, json.GetProperty("user").GetProperty("id").GetString()!);
    }
}
