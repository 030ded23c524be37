using System.Net;
using AspireAuth.Auth.Api.Data;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.WebUtilities;

namespace AspireAuth.Auth.Api.Tests;

/// <summary>
/// The state of a social sign-in is single use and belongs to the browser that started it: a replayed, forged or
/// foreign callback signs nobody in and links no guest, and answers with a redirect, never a 5xx. Any replica
/// sharing the secret completes a flow another one started.
/// </summary>
[Collection(AuthApiCollection.Name)]
public sealed class SocialStateTests : IClassFixture<AuthApiFixture>, IAsyncLifetime
{
    private const string Provider = "stub-state";
    private const string StateMismatch = SocialSignIn.BaseUrl + "/api/auth/error?error=state_mismatch";

    private readonly AuthApiFixture _fixture;
    private StubOpenIdProvider _stub = null!;
    private WebApplicationFactory<AuthDbContext> _app = null!;

    public SocialStateTests(AuthApiFixture fixture) => _fixture = fixture;

    public async Task InitializeAsync()
    {
        _stub = await StubOpenIdProvider.StartAsync("auth-api-state");
        _app = _fixture.CreateApp(SocialSignIn.Settings(_stub.ProviderSettings(Provider)));
    }

    public async Task DisposeAsync()
    {
        await _fixture.DisposeAppsAsync();
        await _stub.DisposeAsync();
    }

    [Fact]
    public async Task A_replayed_callback_after_a_success_is_a_state_mismatch_and_starts_no_second_session()
    {
        var browser = _fixture.CreateClient(_app);
        var flow = await browser.StartSocialSignInAsync(Provider);
        var callback = await _stub.AuthorizeAsync(flow.Url);
        var first = await browser.CompleteCallbackAsync(callback);
        Assert.Equal(SocialSignIn.CallbackUrl, first.Location());
        var userId = (await browser.GetAsync("/get-session")).UserId;

        // The same request again, state cookie and all (e.g. a leaked callback URL and cookie, or the back button).
        var replayer = browser.WithOnlyStateCookie(flow);
        var replay = await replayer.CompleteCallbackAsync(callback);

        Assert.Equal(StateMismatch, replay.Location());
        Assert.Null(replay.SessionCookieSet);
        Assert.False(replay.Headers.ContainsKey("set-auth-token"));
        Assert.Equal(1, _stub.TokenRequests);
        Assert.Equal(1L, await _fixture.QueryScalarAsync<long>("""SELECT count(*) FROM account WHERE "userId" = $1""", userId));
    }

    [Fact]
    public async Task The_same_callback_sent_twice_at_once_signs_in_once()
    {
        var browser = _fixture.CreateClient(_app);
        var guest = await browser.SignInAnonymousAsync();
        var identity = _stub.Identity = StubIdentity.Unique();
        var flow = await browser.StartSocialSignInAsync(Provider);
        var callback = await _stub.AuthorizeAsync(flow.Url);
        var tabs = new[] { browser.WithOnlyStateCookie(flow), browser.WithOnlyStateCookie(flow) };

        var replies = await Task.WhenAll(tabs.Select(tab => tab.CompleteCallbackAsync(callback)));

        Assert.All(replies, reply => Assert.Equal(HttpStatusCode.Redirect, reply.Status));
        var signedIn = Assert.Single(replies, reply => reply.SessionCookieSet is { Length: > 0 });
        Assert.Equal(SocialSignIn.CallbackUrl, signedIn.Location());
        Assert.Equal(1, _stub.TokenRequests);
        Assert.Equal(1L, await _fixture.QueryScalarAsync<long>("""SELECT count(*) FROM "user" WHERE email = $1""", identity.Email));
        Assert.Equal(1L, await _fixture.OutboxCountAsync(AuthDatabase.AccountLinked, guest.UserId));
    }

    [Fact]
    public async Task Two_first_sign_ins_of_one_identity_at_once_make_one_user_and_sign_both_in()
    {
        var identity = _stub.Identity = StubIdentity.Unique();
        var browsers = new[] { _fixture.CreateClient(_app), _fixture.CreateClient(_app) };
        var callbacks = new List<string>();
        foreach (var browser in browsers)
        {
            callbacks.Add(await _stub.AuthorizeAsync((await browser.StartSocialSignInAsync(Provider)).Url));
        }

        var replies = await Task.WhenAll(browsers.Select((browser, i) => browser.CompleteCallbackAsync(callbacks[i])));

        Assert.All(replies, reply => Assert.StartsWith(SocialSignIn.CallbackUrl, reply.Location(), StringComparison.Ordinal));
        var users = await Task.WhenAll(browsers.Select(async browser => (await browser.GetAsync("/get-session")).UserId));
        Assert.Equal(users[0], users[1]);
        Assert.Equal(1L, await _fixture.QueryScalarAsync<long>("""SELECT count(*) FROM "user" WHERE email = $1""", identity.Email));
        Assert.Equal(1L, await _fixture.QueryScalarAsync<long>("""SELECT count(*) FROM account WHERE "accountId" = $1""", identity.Subject));
    }

    [Fact]
    public async Task A_forged_state_signs_nobody_in_and_links_no_guest()
    {
        var browser = _fixture.CreateClient(_app);
        var guest = await browser.SignInAnonymousAsync();
        var flow = await browser.StartSocialSignInAsync(Provider);
        var callback = await _stub.AuthorizeAsync(flow.Url);
        var forged = QueryHelpers.AddQueryString($"/api/auth/callback/{Provider}",
            new Dictionary<string, string?> { ["code"] = Code(callback), ["state"] = "forged-state" });

        var reply = await browser.WithOnlyStateCookie(flow).CompleteCallbackAsync(forged);

        Assert.Equal(StateMismatch, reply.Location());
        await AssertNobodySignedInAsync(reply, guest);
        Assert.Equal(0, _stub.TokenRequests);
    }

    [Fact]
    public async Task A_forged_code_with_a_real_state_is_an_error_for_the_flow_and_links_no_guest()
    {
        var browser = _fixture.CreateClient(_app);
        var guest = await browser.SignInAnonymousAsync();
        var flow = await browser.StartSocialSignInAsync(Provider);
        var forged = QueryHelpers.AddQueryString($"/api/auth/callback/{Provider}",
            new Dictionary<string, string?> { ["code"] = "forged-code", ["state"] = flow.UrlQuery["state"] });

        var reply = await browser.WithOnlyStateCookie(flow).CompleteCallbackAsync(forged);

        // The state is this browser's, so the flow's own error page hears of it.
        Assert.Equal(SocialSignIn.ErrorCallbackUrl + "?error=invalid_code", reply.Location());
        await AssertNobodySignedInAsync(reply, guest);
        Assert.Equal(1, _stub.TokenRequests);
    }

    [Fact]
    public async Task A_callback_in_a_browser_without_the_state_cookie_signs_nobody_in_and_links_no_guest()
    {
        var browser = _fixture.CreateClient(_app);
        var guest = await browser.SignInAnonymousAsync();
        var identity = _stub.Identity = StubIdentity.Unique();
        var flow = await browser.StartSocialSignInAsync(Provider);
        var callback = await _stub.AuthorizeAsync(flow.Url);

        // Another browser (a victim lured to the attacker's callback URL, or the user's other browser).
        var reply = await _fixture.CreateClient(_app).CompleteCallbackAsync(callback);

        Assert.Equal(StateMismatch, reply.Location());
        await AssertNobodySignedInAsync(reply, guest);
        Assert.Equal(0, _stub.TokenRequests);
        Assert.False(await _fixture.UserWithEmailExistsAsync(identity.Email));
    }

    [Theory]
    [InlineData("")]
    [InlineData("?state=")]
    [InlineData("?code=x")]
    [InlineData("?error=access_denied")]
    [InlineData("?code=x&state=y&state=z")]
    [InlineData("?code=%00&state=%ff")]
    public async Task A_malformed_callback_is_a_redirect_to_the_error_page_never_a_5xx(string query)
    {
        var browser = _fixture.CreateClient(_app);
        // The browser holds a real state cookie: only the query is wrong.
        await browser.StartSocialSignInAsync(Provider);

        var reply = await browser.CompleteCallbackAsync($"/api/auth/callback/{Provider}{query}");

        Assert.StartsWith(SocialSignIn.BaseUrl + "/api/auth/error?error=", reply.Location(), StringComparison.Ordinal);
        Assert.Null(reply.SessionCookieSet);
    }

    [Fact]
    public async Task The_provider_refusing_is_passed_on_to_the_flow_error_page()
    {
        var browser = _fixture.CreateClient(_app);
        var flow = await browser.StartSocialSignInAsync(Provider);

        var reply = await browser.CompleteCallbackAsync(QueryHelpers.AddQueryString($"/api/auth/callback/{Provider}",
            new Dictionary<string, string?> { ["error"] = "access_denied", ["state"] = flow.UrlQuery["state"] }));

        Assert.Equal(SocialSignIn.ErrorCallbackUrl + "?error=access_denied", reply.Location());
        Assert.Null(reply.SessionCookieSet);
    }

    [Fact]
    public async Task A_flow_started_on_one_instance_completes_on_another()
    {
        var settings = SocialSignIn.Settings(_stub.ProviderSettings(Provider));
        var other = _fixture.CreateApp(settings);
        var identity = _stub.Identity = StubIdentity.Unique();
        var onFirst = _fixture.CreateClient(_app);
        var flow = await onFirst.StartSocialSignInAsync(Provider);
        var callback = await _stub.AuthorizeAsync(flow.Url);

        var onSecond = _fixture.CreateClient(other).WithOnlyStateCookie(flow);
        var reply = await onSecond.CompleteCallbackAsync(callback);

        Assert.Equal(SocialSignIn.CallbackUrl, reply.Location());
        onFirst.SessionCookie = onSecond.SessionCookie;
        Assert.Equal(identity.Email, (await onFirst.GetAsync("/get-session")).Json.GetProperty("user").GetProperty("email").GetString());
    }

    private async Task AssertNobodySignedInAsync(Reply reply, Reply guest)
    {
        Assert.True((int)reply.Status < 500);
        Assert.Null(reply.SessionCookieSet);
        Assert.False(reply.Headers.ContainsKey("set-auth-token"));
        Assert.Null(await _fixture.LinkedUserIdAsync(guest.UserId));
        Assert.Equal(0L, await _fixture.OutboxCountMentioningAsync(guest.UserId));
        var stillGuest = _fixture.CreateClient(_app);
        stillGuest.SessionCookie = guest.SessionCookieSet;
        Assert.Equal(guest.UserId, (await stillGuest.GetAsync("/get-session")).UserId);
    }

    private static string Code(string callback) => QueryHelpers.ParseQuery(new Uri(new Uri(SocialSignIn.BaseUrl), callback).Query)["code"].ToString();
}
