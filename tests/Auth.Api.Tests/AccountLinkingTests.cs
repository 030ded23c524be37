using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using AspireAuth.Auth.Api.Anonymous;
using AspireAuth.Auth.Api.BetterAuth;
using AspireAuth.Auth.Api.Data;
using AspireAuth.SessionValidation;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AspireAuth.Auth.Api.Tests;

/// <summary>An anonymous user who signs up or signs in for real is linked exactly once, durably, and ends.</summary>
[Collection(AuthApiCollection.Name)]
public sealed partial class AccountLinkingTests : IClassFixture<AuthApiFixture>, IAsyncLifetime
{
    private readonly AuthApiFixture _fixture;
    private readonly LinkRecorder _recorder = new();
    private readonly WebApplicationFactory<AuthDbContext> _app;

    public AccountLinkingTests(AuthApiFixture fixture)
    {
        _fixture = fixture;
        _app = fixture.CreateApp(services: services => services.Configure<AnonymousOptions>(o => o.OnLinkAccount = _recorder.RecordAsync));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _fixture.DisposeAppsAsync();

    [Fact]
    public async Task Signing_up_with_an_anonymous_session_links_it_and_ends_the_anonymous_user()
    {
        var guest = _fixture.CreateClient(_app);
        var anonymous = await guest.SignInAnonymousAsync();
        var anonymousCookie = guest.SessionCookie!;
        var traceId = ActivityTraceId.CreateRandom();

        var signUp = await guest.PostAsync("/sign-up/email",
            JsonSerializer.Serialize(new { name = "Alice", email = TestData.UniqueEmail(), password = TestData.Password }),
            configure: request => request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01"));

        Assert.Equal(HttpStatusCode.OK, signUp.Status);
        Assert.False(signUp.Json.GetProperty("user").GetProperty("isAnonymous").GetBoolean());
        Assert.NotEqual(anonymous.UserId, signUp.UserId);
        await AssertLinkedAsync(anonymous, anonymousCookie, signUp.UserId, traceId);
        Assert.Equal(signUp.UserId, (await guest.GetAsync("/get-session")).UserId);
    }

    [Fact]
    public async Task Signing_in_to_an_existing_account_with_an_anonymous_session_links_it_and_ends_the_anonymous_user()
    {
        var email = TestData.UniqueEmail();
        var owner = _fixture.CreateClient(_app);
        var account = await owner.SignUpAsync(email);
        var guest = _fixture.CreateClient(_app);
        var anonymous = await guest.SignInAnonymousAsync();
        var anonymousCookie = guest.SessionCookie!;
        var traceId = ActivityTraceId.CreateRandom();

        var signIn = await guest.PostAsync("/sign-in/email",
            JsonSerializer.Serialize(new { email, password = TestData.Password }),
            configure: request => request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01"));

        Assert.Equal(HttpStatusCode.OK, signIn.Status);
        Assert.Equal(account.UserId, signIn.UserId);
        await AssertLinkedAsync(anonymous, anonymousCookie, account.UserId, traceId);
        Assert.Equal(account.UserId, (await guest.GetAsync("/get-session")).UserId);
        // Linking ends the guest's sessions, not the account's other ones.
        Assert.Equal(account.UserId, (await owner.GetAsync("/get-session")).UserId);
    }

    [Fact]
    public async Task A_real_user_signing_in_again_links_nothing()
    {
        var email = TestData.UniqueEmail();
        var client = _fixture.CreateClient(_app);
        var signUp = await client.SignUpAsync(email);

        var signIn = await client.SignInAsync(email);

        Assert.Equal(HttpStatusCode.OK, signIn.Status);
        Assert.Equal(signUp.UserId, signIn.UserId);
        await AssertNothingLinkedAsync(signUp.UserId);
    }

    [Fact]
    public async Task A_real_user_signing_in_anonymously_links_nothing_and_keeps_both_users()
    {
        var client = _fixture.CreateClient(_app);
        var signUp = await client.SignUpAsync(TestData.UniqueEmail());
        var realCookie = client.SessionCookie;

        var anonymous = await client.SignInAnonymousAsync();

        Assert.Equal(HttpStatusCode.OK, anonymous.Status);
        await AssertNothingLinkedAsync(signUp.UserId);
        await AssertNothingLinkedAsync(anonymous.UserId);
        Assert.True(await _fixture.UserExistsAsync(anonymous.UserId));
        client.SessionCookie = realCookie;
        Assert.Equal(signUp.UserId, (await client.GetAsync("/get-session")).UserId);
    }

    // No endpoint lets an anonymous session sign in as itself or as another anonymous user, so the
    // plugin's guard is driven directly, as a sign-in's transaction would.
    [Fact]
    public async Task A_new_session_for_the_same_anonymous_user_or_another_anonymous_user_links_nothing()
    {
        var guest = _fixture.CreateClient(_app);
        var anonymous = await guest.SignInAnonymousAsync();
        var anonymousSession = await SessionOfAsync(guest);
        var otherGuest = _fixture.CreateClient(_app);
        var otherAnonymous = await otherGuest.SignInAnonymousAsync();
        var otherAnonymousSession = await SessionOfAsync(otherGuest);
        var sameUserNewSession = anonymousSession with { Session = anonymousSession.Session with { Id = SecureToken.New(), Token = SecureToken.New() } };

        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var plugin = scope.ServiceProvider.GetServices<IAuthPlugin>().OfType<AnonymousPlugin>().Single();
            var http = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
            var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
            foreach (var newSession in new[] { sameUserNewSession, otherAnonymousSession })
            {
                var signIn = new SignInContext(http, db, anonymousSession, anonymousSession.Session.Token, newSession, DateTime.UtcNow);
                await plugin.OnSignInAsync(signIn, CancellationToken.None);
                await db.SaveChangesAsync();
            }
        }

        await AssertNothingLinkedAsync(anonymous.UserId);
        await AssertNothingLinkedAsync(otherAnonymous.UserId);
        Assert.Equal(anonymous.UserId, (await guest.GetAsync("/get-session")).UserId);
    }

    [Fact]
    public async Task Concurrent_sign_ins_with_one_anonymous_session_link_it_exactly_once()
    {
        const int concurrentSignIns = 4;
        var email = TestData.UniqueEmail();
        var account = await _fixture.CreateClient(_app).SignUpAsync(email);
        var guest = _fixture.CreateClient(_app);
        var anonymous = await guest.SignInAnonymousAsync();
        var anonymousCookie = guest.SessionCookie;

        var signIns = await Task.WhenAll(Enumerable.Range(0, concurrentSignIns).Select(_ =>
            new AuthHttp(guest.Http) { SessionCookie = anonymousCookie }.SignInAsync(email)));

        Assert.All(signIns, signIn => Assert.Equal((HttpStatusCode.OK, account.UserId), (signIn.Status, signIn.UserId)));
        Assert.Equal(1L, await _fixture.OutboxCountAsync(AuthDatabase.AccountLinked, anonymous.UserId));
        Assert.Equal(account.UserId, await _fixture.LinkedUserIdAsync(anonymous.UserId));
        var link = Assert.Single(_recorder.Links);
        Assert.Equal((anonymous.UserId, account.UserId), (link.AnonymousUser.User.Id, link.NewUser.User.Id));
        Assert.False(await _fixture.UserExistsAsync(anonymous.UserId));
    }

    [Fact]
    public async Task A_link_that_fails_after_deleting_the_anonymous_user_leaves_nothing_behind_and_can_be_retried()
    {
        // Kestrel, not TestServer: TestServer hands the server's exception to the caller instead of answering 500.
        var app = _fixture.CreateApp();
        var baseAddress = AuthApiFixture.ServeOnLoopback(app);
        var email = TestData.UniqueEmail();
        var account = await _fixture.CreateLoopbackClient(app, baseAddress).SignUpAsync(email);
        var guest = _fixture.CreateLoopbackClient(app, baseAddress);
        var anonymous = await guest.SignInAnonymousAsync();
        var anonymousCookie = guest.SessionCookie;

        await using (await OutboxInsertFailure.InjectForAsync(_fixture, anonymous.UserId))
        {
            var failed = await guest.SignInAsync(email);

            Assert.Equal(HttpStatusCode.InternalServerError, failed.Status);
            Assert.Empty(failed.SetCookies);
        }

        Assert.True(await _fixture.UserExistsAsync(anonymous.UserId));
        Assert.Equal(0L, await _fixture.OutboxCountMentioningAsync(anonymous.UserId));
        Assert.Null(await _fixture.LinkedUserIdAsync(anonymous.UserId));
        Assert.Equal(anonymousCookie, guest.SessionCookie);
        Assert.Equal(anonymous.UserId, (await guest.GetAsync("/get-session")).UserId);

        var retried = await guest.SignInAsync(email);

        Assert.Equal((HttpStatusCode.OK, account.UserId), (retried.Status, retried.UserId));
        Assert.False(await _fixture.UserExistsAsync(anonymous.UserId));
        Assert.Equal(1L, await _fixture.OutboxCountAsync(AuthDatabase.AccountLinked, anonymous.UserId));
        Assert.Equal(account.UserId, await _fixture.LinkedUserIdAsync(anonymous.UserId));
    }

    private async Task AssertLinkedAsync(Reply anonymous, string anonymousCookie, string newUserId, ActivityTraceId traceId)
    {
        var oldCookie = _fixture.CreateClient(_app);
        oldCookie.SessionCookie = anonymousCookie;
        var byCookie = await oldCookie.GetAsync("/get-session");
        Assert.Equal("null", byCookie.Body);
        Assert.Equal(TestData.ClearingCookies, byCookie.SetCookies);
        var byBearer = await _fixture.CreateClient(_app).GetAsync("/get-session", r => r.Headers.Authorization = new("Bearer", anonymous.Token));
        Assert.Equal("null", byBearer.Body);

        Assert.False(await _fixture.UserExistsAsync(anonymous.UserId));
        Assert.Equal(newUserId, await _fixture.LinkedUserIdAsync(anonymous.UserId));

        var row = Assert.Single(await _fixture.QueryRowsAsync(
            "SELECT event_id, payload::text, trace_parent, event_version FROM outbox_message WHERE event_type = $1 AND payload->>'anonymousUserId' = $2",
            AuthDatabase.AccountLinked, anonymous.UserId));
        var payload = JsonDocument.Parse((string)row[1]!).RootElement;
        Assert.Equal(["anonymousUserId", "eventId", "newUserId", "occurredAt"], payload.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(anonymous.UserId, payload.GetProperty("anonymousUserId").GetString());
        Assert.Equal(newUserId, payload.GetProperty("newUserId").GetString());
        Assert.Equal((Guid)row[0]!, payload.GetProperty("eventId").GetGuid());
        Assert.Matches(IsoDate(), payload.GetProperty("occurredAt").GetString());
        Assert.Equal(1, (int)row[3]!);
        // The event continues the trace of the request that linked, so its consumers join that trace.
        var traceParent = Assert.IsType<string>(row[2]);
        Assert.Matches(TraceParent(), traceParent);
        Assert.Equal(traceId.ToHexString(), traceParent.Split('-')[1]);

        var link = Assert.Single(_recorder.Links);
        Assert.Equal(anonymous.UserId, link.AnonymousUser.User.Id);
        Assert.Equal(anonymous.Token, link.AnonymousUser.Session.Token);
        Assert.True(link.AnonymousUser.User.IsAnonymous());
        Assert.Equal(newUserId, link.NewUser.User.Id);
        Assert.Equal(newUserId, link.NewUser.Session.UserId);
        Assert.False(link.NewUser.User.IsAnonymous());
    }

    private async Task AssertNothingLinkedAsync(string userId)
    {
        Assert.Equal(0L, await _fixture.AnonymousLinkCountAsync(userId));
        Assert.Equal(0L, await _fixture.OutboxCountMentioningAsync(userId));
        Assert.Empty(_recorder.Links);
    }

    private static async Task<SessionWithUser> SessionOfAsync(AuthHttp client) =>
        JsonSerializer.Deserialize((await client.GetAsync("/get-session")).Body, SessionJsonContext.Default.SessionWithUser)!;

    [GeneratedRegex("^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")]
    private static partial Regex TraceParent();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")]
    private static partial Regex IsoDate();
}
