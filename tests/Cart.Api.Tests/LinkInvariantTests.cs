using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AspireAuth.Auth.Api.Anonymous;
using AspireAuth.Auth.Api.BetterAuth;
using AspireAuth.Auth.Api.Data;
using AspireAuth.Auth.Api.Outbox;
using AspireAuth.Auth.Api.Tests;
using AspireAuth.EventBus;
using AspireAuth.SessionValidation;
using AspireAuth.TestSupport;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace AspireAuth.Cart.Api.Tests;

/// <summary>
/// The link's invariants (docs/link-invariants.md), each run against every entry point that can link a guest to an
/// account. Every later change keeps this class green. A new entry point (e.g. OIDC) is one more <see cref="EntryPoint"/>.
/// <list type="bullet">
/// <item>I1 — a guest is linked only by the client that holds the guest session and completed the sign-in, never by a URL,
/// a body, a forged cookie or someone else's token. Threat: an attacker with a leaked URL or guessed ids, a cross-site page.</item>
/// <item>I2 — only into an account the client just created or proved (the password). Threat: a guest session pushed into
/// (or pulling in) somebody else's account.</item>
/// <item>I3 — exactly once, in the account change's transaction, even concurrent or cut off after the commit and retried.
/// Threat: double clicks, client retries, a crashing process or Redis failing between the commit and the answer.</item>
/// <item>I4 — the guest's credentials are dead once the link is answered, and no guest write is lost: a racing add-to-cart
/// lands in the account's cart or is refused clearly. Threat: a second tab or a stolen guest token still writing.</item>
/// <item>I5 — replay, republish or cleanup never applies a takeover twice or drops one. Threat: operators republishing,
/// consumers re-reading the stream, Redis restores, the stale-guest cleanup racing a link.</item>
/// </list>
/// </summary>
[Collection(ShopCollection.Name)]
public sealed class LinkInvariantTests(ShopFixture shop) : IClassFixture<ShopFixture>, IAsyncLifetime, IDisposable
{
    private const string Password = "correct-horse-battery";
    private const string LinkedEvent = "auth.anonymous-account-linked";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private const string Provider = "invariant-idp";

    /// <summary>A way for a client to finish signing in to an account from whatever session its request carries.</summary>
    /// <param name="AccountExists">Whether the account exists before (sign-in) or is created by the request (sign-up).</param>
    /// <param name="ViaProvider">Whether the request starts a sign-in with an identity provider, completed by its callback.</param>
    private sealed record EntryPoint(
        string Name, bool AccountExists, string Path, Func<string, string, Dictionary<string, object?>> Body, bool ViaProvider = false);

    private static readonly Dictionary<string, EntryPoint> EntryPoints = new EntryPoint[]
    {
        new("email sign-up", AccountExists: false, "/api/auth/sign-up/email",
            (email, password) => new() { ["name"] = "Alice", ["email"] = email, ["password"] = password }),
        new("email sign-in", AccountExists: true, "/api/auth/sign-in/email",
            (email, password) => new() { ["email"] = email, ["password"] = password }),
        // The guest's credential goes with the start; the callback carries only the state cookie (as from an SPA or app).
        new("OIDC sign-in", AccountExists: false, "/api/auth/sign-in/social",
            (_, _) => new() { ["provider"] = Provider, ["callbackURL"] = "/after", ["errorCallbackURL"] = "/oops" }, ViaProvider: true),
    }.ToDictionary(entry => entry.Name);

    private readonly SemaphoreSlim _atProvider = new(1, 1);
    private StubOpenIdProvider _provider = null!;
    private WebApplicationFactory<AuthDbContext> _socialAuth = null!;

    public async Task InitializeAsync()
    {
        _provider = await StubOpenIdProvider.StartAsync("link-invariants");
        _socialAuth = shop.StartAuth(new Dictionary<string, string?>(_provider.ProviderSettings(Provider)) { ["Auth:BaseUrl"] = "http://localhost" });
    }

    public async Task DisposeAsync()
    {
        await shop.StopAsync(_socialAuth);
        await _provider.DisposeAsync();
    }

    public void Dispose() => _atProvider.Dispose();

    public static TheoryData<string> EveryEntryPoint => [.. EntryPoints.Keys];

    /// <summary>What a client that does not hold the guest session may present instead.</summary>
    public static TheoryData<string, string> EveryEntryPointWithAForgery
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var entry in EntryPoints.Keys)
            {
                foreach (var forgery in Forgeries.Keys)
                {
                    data.Add(entry, forgery);
                }
            }

            return data;
        }
    }

    public static TheoryData<string, string> EveryEntryPointWithTheGuestsCredential
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var entry in EntryPoints.Keys)
            {
                data.Add(entry, "bearer");
                data.Add(entry, "signed cookie from its own origin");
            }

            return data;
        }
    }

    private delegate Task<Attempt> Forgery(ShopFixture shop, Guest guest, Attempt attempt);

    private static readonly Dictionary<string, Forgery> Forgeries = new()
    {
        ["no credential, guest id in the URL"] = (_, guest, attempt) =>
            Task.FromResult(attempt with { Query = $"?anonymousUserId={guest.Id}&userId={guest.Id}&token={guest.Id}" }),
        ["no credential, guest id in the body"] = (_, guest, attempt) =>
            Task.FromResult(attempt with { Extra = new() { ["anonymousUserId"] = guest.Id, ["userId"] = guest.Id, ["previousUserId"] = guest.Id } }),
        ["the guest's user id as bearer"] = (_, guest, attempt) => Task.FromResult(attempt with { Bearer = guest.Id }),
        ["the guest's token in an unsigned cookie"] = (_, guest, attempt) =>
            Task.FromResult(attempt with { Cookie = guest.Token, Origin = "http://localhost" }),
        ["the guest's token in a cookie signed with another secret"] = (_, guest, attempt) =>
            Task.FromResult(attempt with { Cookie = new SessionCookie("an-attacker-secret-0123456789-abcdefghij").Sign(guest.Token), Origin = "http://localhost" }),
        ["the guest's cookie sent from another site"] = (_, guest, attempt) =>
            Task.FromResult(attempt with { Cookie = guest.SignedCookie, Origin = "https://evil.example" }),
        ["another guest's revoked token"] = async (shop, _, attempt) =>
        {
            var other = shop.CreateShopper();
            await other.SignInAnonymouslyAsync();
            var revoked = other.Token!;
            Assert.Equal(HttpStatusCode.OK, await other.SignOutAsync());
            return attempt with { Bearer = revoked };
        },
    };

    /// <summary>A guest with two lines in their cart, and the credentials their own client holds.</summary>
    private sealed record Guest(ShopClient Client, string Id, string Token, string SignedCookie, List<(int ProductId, int Quantity)> Lines);

    /// <summary>The account an entry point signs in to, and what it held before.</summary>
    private sealed record Account(string Email, string? ExistingId, List<(int ProductId, int Quantity)> Lines);

    /// <summary>One request to an entry point, as a client would send it.</summary>
    private sealed record Attempt(EntryPoint Entry, Account Account, string Password = Password)
    {
        public string? Bearer { get; init; }

        public string? Cookie { get; init; }

        public string? Origin { get; init; }

        public string Query { get; init; } = "";

        public Dictionary<string, object?> Extra { get; init; } = [];
    }

    private sealed record Reply(HttpStatusCode Status, string? UserId, string? Code);

    // ---- I1: only the client holding the guest session links it --------------------------------------------------------

    [Theory]
    [MemberData(nameof(EveryEntryPointWithTheGuestsCredential))]
    public async Task I1_the_client_holding_the_guest_session_links_it(string entryPoint, string credential)
    {
        var guest = await GuestWithCartAsync();
        var account = await AccountForAsync(EntryPoints[entryPoint]);
        var attempt = new Attempt(EntryPoints[entryPoint], account);
        attempt = credential == "bearer" ? attempt with { Bearer = guest.Token } : attempt with { Cookie = guest.SignedCookie, Origin = "http://localhost" };

        var reply = await SendAsync(attempt);

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal(reply.UserId, await LinkedAccountOfAsync(guest.Id));
        await AssertTakenOverOnceAsync(guest, reply.UserId!, account.Lines);
    }

    [Theory]
    [MemberData(nameof(EveryEntryPointWithAForgery))]
    public async Task I1_a_client_without_the_guest_session_links_nothing(string entryPoint, string forgery)
    {
        var guest = await GuestWithCartAsync();
        var account = await AccountForAsync(EntryPoints[entryPoint]);
        var attempt = await Forgeries[forgery](shop, guest, new Attempt(EntryPoints[entryPoint], account));

        var reply = await SendAsync(attempt);

        Assert.True((int)reply.Status < 500, $"{forgery}: {reply.Status} {reply.Code}");
        await AssertNotLinkedAsync(guest, reply.UserId ?? account.ExistingId, account.Lines);
    }

    // ---- I2: only into an account the client just created or proved ---------------------------------------------------

    [Fact]
    public async Task I2_a_wrong_password_from_the_guest_session_links_nothing()
    {
        var guest = await GuestWithCartAsync();
        var account = await AccountForAsync(EntryPoints["email sign-in"]);

        var reply = await SendAsync(new Attempt(EntryPoints["email sign-in"], account, "a-wrong-password-1234") { Bearer = guest.Token });

        Assert.Equal(HttpStatusCode.Unauthorized, reply.Status);
        await AssertNotLinkedAsync(guest, account.ExistingId, account.Lines);
    }

    [Theory]
    [InlineData("a-wrong-password-1234")]
    [InlineData(Password)]
    public async Task I2_a_sign_up_from_the_guest_session_for_someone_elses_address_links_nothing(string password)
    {
        var guest = await GuestWithCartAsync();
        // Someone else's account: signing up for its address proves nothing, whatever the password.
        var account = await AccountForAsync(EntryPoints["email sign-in"]);

        var reply = await SendAsync(new Attempt(EntryPoints["email sign-up"], account, password) { Bearer = guest.Token });

        Assert.Equal((HttpStatusCode.UnprocessableEntity, "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL"), (reply.Status, reply.Code));
        await AssertNotLinkedAsync(guest, account.ExistingId, account.Lines);
    }

    // ---- I3: exactly once, in the account change's transaction ---------------------------------------------------------

    [Theory]
    [MemberData(nameof(EveryEntryPoint))]
    public async Task I3_concurrent_requests_from_one_guest_session_link_it_once(string entryPoint)
    {
        const int Concurrent = 5;
        var guest = await GuestWithCartAsync();
        var account = await AccountForAsync(EntryPoints[entryPoint]);
        var attempt = new Attempt(EntryPoints[entryPoint], account) { Bearer = guest.Token };

        var replies = await Task.WhenAll(Enumerable.Range(0, Concurrent).Select(_ => SendAsync(attempt)));

        var accountId = replies[0].UserId;
        Assert.All(replies, reply => Assert.Equal((HttpStatusCode.OK, accountId), (reply.Status, reply.UserId)));
        Assert.Equal(1L, await shop.QueryAuthDbAsync<long>("SELECT count(*) FROM anonymous_link WHERE anonymous_user_id = $1", guest.Id));
        await AssertTakenOverOnceAsync(guest, accountId!, account.Lines);
    }

    [Fact]
    public async Task I3_a_sign_up_cut_off_after_its_commit_and_retried_links_once()
    {
        var guest = await GuestWithCartAsync();
        var account = await AccountForAsync(EntryPoints["email sign-up"]);
        var signUp = new Attempt(EntryPoints["email sign-up"], account) { Bearer = guest.Token };

        Reply interrupted;
        await using (await RedisWriteOutage.StartAsync(shop.Infrastructure))
        {
            interrupted = await SendAsync(signUp);
        }

        Assert.True((int)interrupted.Status >= 500, $"expected the cut-off sign-up to fail, got {interrupted.Status}");
        var accountId = await LinkedAccountOfAsync(guest.Id);
        Assert.NotNull(accountId);

        // The retry must come from the guest session (I1) with the password it chose (I2): nobody else finishes it.
        var wrongPassword = await SendAsync(signUp with { Password = "a-wrong-password-1234" });
        var withoutGuestSession = await SendAsync(signUp with { Bearer = null });
        Assert.All([wrongPassword, withoutGuestSession], reply => Assert.Equal(HttpStatusCode.UnprocessableEntity, reply.Status));

        var retried = await SendAsync(signUp);

        Assert.Equal((HttpStatusCode.OK, accountId), (retried.Status, retried.UserId));
        await AssertGuestCredentialsDeadAsync(guest);
        await AssertTakenOverOnceAsync(guest, accountId!, account.Lines);
    }

    // ---- I4: the guest's credentials are dead once the link is answered; no guest write is lost ------------------------

    [Theory]
    [MemberData(nameof(EveryEntryPoint))]
    public async Task I4_the_guest_token_is_dead_as_soon_as_the_link_is_answered(string entryPoint)
    {
        var guest = await GuestWithCartAsync();
        var account = await AccountForAsync(EntryPoints[entryPoint]);

        var reply = await SendAsync(new Attempt(EntryPoints[entryPoint], account) { Bearer = guest.Token });

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        await AssertGuestCredentialsDeadAsync(guest);
    }

    [Theory]
    [MemberData(nameof(EveryEntryPoint))]
    public async Task I4_guest_writes_racing_the_link_land_in_the_account_cart_or_are_refused(string entryPoint)
    {
        const int Writers = 6;
        var guest = await GuestWithCartAsync();
        var account = await AccountForAsync(EntryPoints[entryPoint]);
        var ledger = new ConcurrentDictionary<int, int>();
        foreach (var (productId, quantity) in guest.Lines.Concat(account.Lines))
        {
            ledger.AddOrUpdate(productId, quantity, (_, count) => count + quantity);
        }

        var unexpected = new ConcurrentBag<string>();
        var accepted = 0;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var writers = Enumerable.Range(0, Writers).Select(writer => Task.Run(async () =>
        {
            for (var n = 0; !deadline.IsCancellationRequested; n++)
            {
                var productId = 1 + ((writer + n) % 12);
                using var response = await guest.Client.SendCartAsync(HttpMethod.Post, "/api/cart/items", new { productId, quantity = 1 }, guest.Token);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    ledger.AddOrUpdate(productId, 1, (_, count) => count + 1);
                    Interlocked.Increment(ref accepted);
                    continue;
                }

                if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                {
                    continue; // not made (e.g. CHANGE_TIMED_OUT on this busy machine); a client tries again
                }

                // Refused: the guest's session is gone or its cart was taken over, said clearly so the client re-reads its session.
                var error = await response.Content.ReadFromJsonAsync<JsonElement>();
                if (response.StatusCode != HttpStatusCode.Unauthorized
                    || !error.TryGetProperty("code", out var code) || string.IsNullOrEmpty(code.GetString())
                    || !error.TryGetProperty("message", out var message) || string.IsNullOrEmpty(message.GetString()))
                {
                    unexpected.Add($"{(int)response.StatusCode} {error}");
                }

                return;
            }

            unexpected.Add($"writer {writer} was never refused");
        })).ToArray();

        await Eventually.HoldsAsync(() => Task.FromResult(Volatile.Read(ref accepted) >= 2 * Writers), Deadline);
        var reply = await SendAsync(new Attempt(EntryPoints[entryPoint], account) { Bearer = guest.Token });
        await Task.WhenAll(writers).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Empty(unexpected);
        await shop.WaitForInboxAsync(await LinkEventIdOfAsync(guest.Id));
        var expected = ledger.Select(pair => (pair.Key, Math.Min(99, pair.Value))).OrderBy(line => line.Key).ToList();
        Assert.Equal(expected, await shop.CartLinesOfAsync(reply.UserId!));
        Assert.Equal(0L, await shop.QueryCartDbAsync<long>("SELECT count(*) FROM cart_line WHERE user_id = $1", guest.Id));
    }

    // ---- I5: replay, republish or cleanup never applies a takeover twice or drops one ---------------------------------

    public static TheoryData<string> EveryReplay =>
    [
        "republish-events for the window",
        "the same entry added to the stream again",
        "the consumer reading the stream from 0",
        "the cart database restored to before the takeover, then republish-events",
    ];

    [Theory]
    [MemberData(nameof(EveryReplay))]
    public async Task I5_a_replayed_link_leaves_the_account_cart_unchanged(string replay)
    {
        var guest = await GuestWithCartAsync();
        var account = await AccountForAsync(EntryPoints["email sign-up"]);
        var reply = await SendAsync(new Attempt(EntryPoints["email sign-up"], account) { Bearer = guest.Token });
        var accountId = reply.UserId!;
        await AssertTakenOverOnceAsync(guest, accountId, account.Lines);
        var eventId = await LinkEventIdOfAsync(guest.Id);
        var stream = shop.Redis.GetDatabase();

        switch (replay)
        {
            case "republish-events for the window":
                await RepublishAsync(eventId);
                break;
            case "the cart database restored to before the takeover, then republish-events":
                await RestoreCartDbToBeforeTheTakeoverAsync(guest, accountId, account.Lines, eventId);
                await RepublishAsync(eventId);
                break;
            case "the same entry added to the stream again":
                var entry = (await stream.StreamRangeAsync(EventStream.Key)).Single(e => e[EventStream.Fields.EventId] == eventId.ToString());
                await stream.StreamAddAsync(EventStream.Key, entry.Values);
                break;
            case "the consumer reading the stream from 0":
                Assert.Equal(1, await LinkEvents.CopiesInStreamAsync(shop.Redis, eventId));
                await stream.ExecuteAsync("XGROUP", "SETID", EventStream.Key, LinkEvents.CartConsumerGroup, "0");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(replay), replay, null);
        }

        await shop.Redis.GetSubscriber().PublishAsync(EventStream.NudgeChannel, eventId.ToString());
        await WaitUntilTheConsumerHasReadEverythingAsync();

        Assert.Equal(Merged(guest.Lines, account.Lines), await shop.CartLinesOfAsync(accountId));
        Assert.Equal(1L, await shop.QueryCartDbAsync<long>("SELECT count(*) FROM inbox_message WHERE event_id = $1", eventId));
        Assert.Empty(await stream.StreamRangeAsync(EventStream.DeadLetterKey));
    }

    [Fact]
    public async Task I5_the_stale_guest_cleanup_racing_links_never_deletes_a_linked_cart()
    {
        var sweeper = shop.StartAuth(new() { ["Auth:Anonymous:StaleUserAge"] = "00:01:00", ["Auth:Anonymous:CleanupInterval"] = "01:00:00" });
        try
        {
            var cleanup = sweeper.Services.GetServices<IHostedService>().OfType<StaleAnonymousUserCleanup>().Single();
            var linking = new List<(Guest Guest, EntryPoint Entry, Account Account)>();
            foreach (var entry in EntryPoints.Values.SelectMany(entry => Enumerable.Repeat(entry, 3)))
            {
                linking.Add((await GuestWithCartAsync(), entry, await AccountForAsync(entry)));
            }

            // Abandoned guests (no live session) with carts: the cleanup must delete these, so it demonstrably runs.
            var abandoned = new List<Guest> { await GuestWithCartAsync(), await GuestWithCartAsync() };
            var sessions = shop.Auth.Services.GetRequiredService<SessionStore>();
            foreach (var guest in abandoned)
            {
                await sessions.RevokeAllAsync(guest.Id);
            }

            string[] guestIds = [.. linking.Select(l => l.Guest.Id), .. abandoned.Select(g => g.Id)];
            // Older than the stale age (one minute at least): each of them is a candidate for the cleanup.
            await Sql.ExecuteAsync(shop.Infrastructure.ConnectionStrings["authdb"],
                """UPDATE "user" SET "createdAt" = "createdAt" - interval '2 minutes' WHERE id = ANY($1)""", (object)guestIds);

            // The cleanup sweeps without pause from before the links start until after they are all answered.
            using var stop = new CancellationTokenSource();
            var passes = 0;
            var sweeping = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    await cleanup.RunOnceAsync(CancellationToken.None);
                    Interlocked.Increment(ref passes);
                }
            });
            await Eventually.HoldsAsync(async () => await shop.QueryAuthDbAsync<long>(
                """SELECT count(*) FROM "user" WHERE id = ANY($1)""", (object)abandoned.Select(g => g.Id).ToArray()) == 0, Deadline);
            var replies = await Task.WhenAll(linking.Select(l => SendAsync(new Attempt(l.Entry, l.Account) { Bearer = l.Guest.Token })));
            var passesAfterTheLinks = Volatile.Read(ref passes) + 2;
            await Eventually.HoldsAsync(() => Task.FromResult(sweeping.IsCompleted || Volatile.Read(ref passes) >= passesAfterTheLinks), Deadline);
            await stop.CancelAsync();
            await sweeping.WaitAsync(Deadline);

            Assert.All(replies, reply => Assert.Equal(HttpStatusCode.OK, reply.Status));
            foreach (var guest in abandoned)
            {
                await Eventually.HoldsAsync(async () => await shop.QueryCartDbAsync<long>("SELECT count(*) FROM cart WHERE user_id = $1", guest.Id) == 0, Deadline);
                Assert.Null(await LinkedAccountOfAsync(guest.Id));
            }

            foreach (var ((guest, _, account), reply) in linking.Zip(replies))
            {
                await AssertTakenOverOnceAsync(guest, reply.UserId!, account.Lines);
            }
        }
        finally
        {
            await shop.StopAsync(sweeper);
        }
    }

    // ---- helpers --------------------------------------------------------------------------------------------------------

    /// <summary>What <c>Auth.Api republish-events --since &lt;the event's time&gt;</c> runs; waits until the relay published it again.</summary>
    private async Task RepublishAsync(Guid eventId)
    {
        await using (var scope = shop.Auth.Services.CreateAsyncScope())
        {
            var occurredAt = await shop.QueryAuthDbAsync<DateTime>("SELECT occurred_at FROM outbox_message WHERE event_id = $1", eventId);
            Assert.True(await OutboxRelay.RepublishSinceAsync(scope.ServiceProvider.GetRequiredService<AuthDbContext>(), occurredAt, CancellationToken.None) >= 1);
        }

        await Eventually.HoldsAsync(async () => await LinkEvents.CopiesInStreamAsync(shop.Redis, eventId) == 2, Deadline);
    }

    /// <summary>Puts Cart.Api's rows back as a backup taken just before the takeover had them: guest cart, account cart, no inbox row, guest not linked.</summary>
    private async Task RestoreCartDbToBeforeTheTakeoverAsync(Guest guest, string accountId, List<(int ProductId, int Quantity)> accountLines, Guid eventId)
    {
        var cartDb = shop.Infrastructure.ConnectionStrings["cartdb"];
        await Sql.ExecuteAsync(cartDb, "DELETE FROM inbox_message WHERE event_id = $1", eventId);
        await Sql.ExecuteAsync(cartDb, "DELETE FROM linked_guest WHERE guest_user_id = $1", guest.Id);
        await Sql.ExecuteAsync(cartDb, "DELETE FROM cart WHERE user_id = $1", accountId);
        foreach (var (userId, lines) in new[] { (guest.Id, guest.Lines), (accountId, accountLines) }.Where(cart => cart.Item2.Count > 0))
        {
            await Sql.ExecuteAsync(cartDb, "INSERT INTO cart (user_id, updated_at) VALUES ($1, now())", userId);
            foreach (var (productId, quantity) in lines)
            {
                await Sql.ExecuteAsync(cartDb, "INSERT INTO cart_line (user_id, product_id, quantity) VALUES ($1, $2, $3)", userId, productId, quantity);
            }
        }
    }

    private async Task<Guest> GuestWithCartAsync()
    {
        var client = shop.CreateShopper();
        var id = await client.SignInAnonymouslyAsync();
        List<(int ProductId, int Quantity)> lines = [(2, 3), (5, 1)];
        await SetLinesAsync(client, lines);
        return new Guest(client, id, client.Token!, new SessionCookie(ShopFixture.Secret).Sign(client.Token!), lines);
    }

    /// <summary>
    /// Sets the lines with idempotent PUTs, each repeated (as a client would) while Cart.Api answers 503: on this shared
    /// machine a change can outlive the fixture's short change lease (CHANGE_TIMED_OUT, not made).
    /// </summary>
    private static async Task SetLinesAsync(ShopClient client, List<(int ProductId, int Quantity)> lines)
    {
        foreach (var (productId, quantity) in lines)
        {
            var status = HttpStatusCode.ServiceUnavailable;
            await Eventually.HoldsAsync(async () =>
            {
                using var response = await client.SendCartAsync(HttpMethod.Put, $"/api/cart/items/{productId}", new { quantity });
                status = response.StatusCode;
                return status != HttpStatusCode.ServiceUnavailable;
            }, Deadline);
            Assert.Equal(HttpStatusCode.OK, status);
        }
    }

    /// <summary>For sign-in, an account created by its owner beforehand, with a line of its own; for sign-up, a fresh address.</summary>
    private async Task<Account> AccountForAsync(EntryPoint entry)
    {
        var email = $"invariant+{Guid.NewGuid():N}@example.com";
        if (!entry.AccountExists)
        {
            return new Account(email, null, []);
        }

        var owner = shop.CreateShopper();
        var id = await owner.SignUpAsync(email);
        await SetLinesAsync(owner, [(7, 1)]);
        return new Account(email, id, [(7, 1)]);
    }

    private async Task<Reply> SendAsync(Attempt attempt)
    {
        if (attempt.Entry.ViaProvider)
        {
            return await SendThroughProviderAsync(attempt);
        }

        using var http = shop.Auth.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });
        using var request = Request(attempt);
        var (response, failure) = await TrySendAsync(http, request);
        if (response is null)
        {
            return failure!;
        }

        using (response)
        {
            var (json, code) = await JsonOfAsync(response);
            return new Reply(response.StatusCode,
                response.IsSuccessStatusCode && json.TryGetProperty("user", out var user) ? user.GetProperty("id").GetString() : null, code);
        }
    }

    /// <summary>
    /// The attempt as the start of a sign-in with the stub provider (the provider's user has the account's e-mail), then
    /// the provider's redirect back to the callback with nothing but the state cookie the start set.
    /// </summary>
    private async Task<Reply> SendThroughProviderAsync(Attempt attempt)
    {
        using var http = _socialAuth.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false, AllowAutoRedirect = false });
        using var start = Request(attempt);
        var (started, failure) = await TrySendAsync(http, start);
        if (started is null)
        {
            return failure!;
        }

        string url;
        string stateCookie;
        using (started)
        {
            var (json, code) = await JsonOfAsync(started);
            if (started.StatusCode != HttpStatusCode.OK)
            {
                return new Reply(started.StatusCode, null, code);
            }

            url = json.GetProperty("url").GetString()!;
            stateCookie = started.Headers.GetValues("Set-Cookie").Single(cookie => cookie.StartsWith("better-auth.state.", StringComparison.Ordinal)).Split(';')[0];
        }

        // The stub signs in whoever is its identity when the browser arrives: one browser at a time at the provider.
        string callbackUrl;
        await _atProvider.WaitAsync();
        try
        {
            _provider.Identity = new StubIdentity($"sub-{attempt.Account.Email}", attempt.Account.Email);
            callbackUrl = await _provider.AuthorizeAsync(url);
        }
        finally
        {
            _atProvider.Release();
        }

        using var callback = new HttpRequestMessage(HttpMethod.Get, callbackUrl);
        callback.Headers.Add("Cookie", stateCookie);
        var (completed, callbackFailure) = await TrySendAsync(http, callback);
        if (completed is null)
        {
            return callbackFailure!;
        }

        using (completed)
        {
            var location = completed.Headers.Location?.OriginalString;
            if (completed.StatusCode != HttpStatusCode.Redirect || location != "/after")
            {
                return new Reply(completed.StatusCode, null, location);
            }

            var token = completed.Headers.GetValues("set-auth-token").Single();
            return new Reply(HttpStatusCode.OK, await SessionUserIdAsync(token), null);
        }
    }

    private static HttpRequestMessage Request(Attempt attempt)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, attempt.Entry.Path + attempt.Query)
        {
            Content = JsonContent.Create(attempt.Entry.Body(attempt.Account.Email, attempt.Password).Concat(attempt.Extra).ToDictionary()),
        };
        if (attempt.Bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", attempt.Bearer);
        }

        if (attempt.Cookie is not null)
        {
            request.Headers.Add("Cookie", $"{SessionCookie.Name}={attempt.Cookie}");
        }

        if (attempt.Origin is not null)
        {
            request.Headers.Add("Origin", attempt.Origin);
        }

        return request;
    }

    private static async Task<(HttpResponseMessage? Response, Reply? Failure)> TrySendAsync(HttpClient http, HttpRequestMessage request)
    {
        try
        {
            return (await http.SendAsync(request), null);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // TestServer hands an unhandled server exception to the caller; a real client sees a 500.
            return (null, new Reply(HttpStatusCode.InternalServerError, null, exception.GetType().Name));
        }
    }

    private static async Task<(JsonElement Json, string? Code)> JsonOfAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        var json = body.Length > 0 && body[0] == '{' ? JsonDocument.Parse(body).RootElement : default;
        return (json, json.ValueKind == JsonValueKind.Object && json.TryGetProperty("code", out var code) ? code.GetString() : null);
    }

    private Task<string?> LinkedAccountOfAsync(string guestId) =>
        shop.QueryAuthDbAsync<string>("SELECT new_user_id FROM anonymous_link WHERE anonymous_user_id = $1", guestId);

    private Task<Guid> LinkEventIdOfAsync(string guestId) =>
        shop.QueryAuthDbAsync<Guid>("SELECT event_id FROM outbox_message WHERE event_type = $1 AND payload->>'anonymousUserId' = $2", LinkedEvent, guestId);

    /// <summary>One link, one event, and the account's cart holds its own lines plus the guest's, added once; no guest cart is left.</summary>
    private async Task AssertTakenOverOnceAsync(Guest guest, string accountId, List<(int ProductId, int Quantity)> accountLines)
    {
        Assert.Equal(accountId, await LinkedAccountOfAsync(guest.Id));
        Assert.Equal(1L, await shop.QueryAuthDbAsync<long>(
            "SELECT count(*) FROM outbox_message WHERE event_type = $1 AND payload->>'anonymousUserId' = $2", LinkedEvent, guest.Id));
        await shop.WaitForInboxAsync(await LinkEventIdOfAsync(guest.Id));
        Assert.Equal(Merged(guest.Lines, accountLines), await shop.CartLinesOfAsync(accountId));
        Assert.Equal(0L, await shop.QueryCartDbAsync<long>("SELECT count(*) FROM cart WHERE user_id = $1", guest.Id));
    }

    /// <summary>No link, no event, the guest still signed in as themselves with their cart, and the account's cart as it was.</summary>
    private async Task AssertNotLinkedAsync(Guest guest, string? accountId, List<(int ProductId, int Quantity)> accountLines)
    {
        Assert.Null(await LinkedAccountOfAsync(guest.Id));
        Assert.Equal(0L, await shop.QueryAuthDbAsync<long>(
            "SELECT count(*) FROM outbox_message WHERE event_type = $1 AND payload->>'anonymousUserId' = $2", LinkedEvent, guest.Id));
        Assert.Equal(guest.Lines, (await guest.Client.GetCartAsync(guest.Token)).Lines.Select(line => (line.ProductId, line.Quantity)));
        Assert.Equal(guest.Id, await SessionUserIdAsync(guest.Token));
        if (accountId is not null)
        {
            Assert.Equal(0L, await shop.QueryAuthDbAsync<long>("SELECT count(*) FROM anonymous_link WHERE new_user_id = $1", accountId));
            Assert.Equal(accountLines, await shop.CartLinesOfAsync(accountId));
        }
    }

    /// <summary>Checked at once, not eventually: the revocation is part of answering the link.</summary>
    private async Task AssertGuestCredentialsDeadAsync(Guest guest)
    {
        Assert.Null(await SessionUserIdAsync(guest.Token));
        using var cart = await guest.Client.SendCartAsync(HttpMethod.Get, "/api/cart", token: guest.Token);
        Assert.Equal(HttpStatusCode.Unauthorized, cart.StatusCode);
    }

    private async Task<string?> SessionUserIdAsync(string token)
    {
        using var http = shop.Auth.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/auth/get-session");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var session = await response.Content.ReadFromJsonAsync<JsonElement>();
        return session.ValueKind == JsonValueKind.Null ? null : session.GetProperty("user").GetProperty("id").GetString();
    }

    private async Task WaitUntilTheConsumerHasReadEverythingAsync() =>
        await Eventually.HoldsAsync(async () =>
        {
            var stream = shop.Redis.GetDatabase();
            var last = await stream.StreamRangeAsync(EventStream.Key, count: 1, messageOrder: Order.Descending);
            var group = (await stream.StreamGroupInfoAsync(EventStream.Key)).Single(g => g.Name == LinkEvents.CartConsumerGroup);
            return group.LastDeliveredId == (string?)last[0].Id && group.PendingMessageCount == 0;
        }, Deadline);

    private static List<(int ProductId, int Quantity)> Merged(List<(int ProductId, int Quantity)> guestLines, List<(int ProductId, int Quantity)> accountLines) =>
        guestLines.Concat(accountLines)
            .GroupBy(line => line.ProductId)
            .Select(group => (group.Key, Math.Min(99, group.Sum(line => line.Quantity))))
            .OrderBy(line => line.Key)
            .ToList();
}
