using System.Diagnostics;
using System.Net;
using System.Text.Json;
using AspireAuth.Auth.Api.Data;
using Microsoft.AspNetCore.Mvc.Testing;

namespace AspireAuth.Auth.Api.Tests;

/// <summary>
/// Social sign-in against a stub OpenID provider on a real loopback port: Better Auth's wire for starting it, and the ID
/// token validated by the real client pipeline (signature, issuer, audience, expiry, nonce) before anyone is signed in.
/// </summary>
[Collection(AuthApiCollection.Name)]
public sealed class SocialSignInTests : IClassFixture<AuthApiFixture>, IAsyncLifetime
{
    private const string Provider = "stub-signin";

    private readonly AuthApiFixture _fixture;
    private StubOpenIdProvider _stub = null!;
    private WebApplicationFactory<AuthDbContext> _app = null!;

    public SocialSignInTests(AuthApiFixture fixture) => _fixture = fixture;

    public async Task InitializeAsync()
    {
        _stub = await StubOpenIdProvider.StartAsync("auth-api-signin");
        _app = _fixture.CreateApp(SocialSignIn.Settings(_stub.ProviderSettings(Provider)));
    }

    public async Task DisposeAsync()
    {
        await _fixture.DisposeAppsAsync();
        await _stub.DisposeAsync();
    }

    [Fact]
    public async Task A_valid_id_token_signs_in_a_new_user_with_a_working_session()
    {
        var browser = _fixture.CreateClient(_app);
        var identity = _stub.Identity = StubIdentity.Unique();
        var flow = await browser.StartSocialSignInAsync(Provider);

        var callback = await browser.CompleteCallbackAsync(await _stub.AuthorizeAsync(flow.Url));

        Assert.Equal(SocialSignIn.CallbackUrl, callback.Location());
        Assert.NotNull(callback.SessionCookieSet);
        Assert.NotEmpty(callback.SessionCookieSet!);
        Assert.True(callback.Headers.ContainsKey("set-auth-token"));
        var session = await browser.GetAsync("/get-session");
        var user = session.Json.GetProperty("user");
        Assert.Equal(identity.Email, user.GetProperty("email").GetString());
        Assert.Equal(identity.Name, user.GetProperty("name").GetString());
        Assert.True(user.GetProperty("emailVerified").GetBoolean());
        Assert.Equal(1L, await _fixture.QueryScalarAsync<long>(
            """SELECT count(*) FROM account WHERE "providerId" = $1 AND "accountId" = $2 AND "userId" = $3""",
            Provider, identity.Subject, user.GetProperty("id").GetString()!));
        // The state cookie is spent: the browser is told to drop it.
        Assert.Contains(callback.SetCookies, cookie => cookie.StartsWith(flow.StateCookieName + "=;", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_new_user_goes_to_newUserCallbackURL_and_a_returning_one_to_callbackURL()
    {
        _stub.Identity = StubIdentity.Unique();
        var first = _fixture.CreateClient(_app);
        var firstFlow = await first.StartSocialSignInAsync(Provider, newUserCallbackUrl: "/welcome");
        var second = _fixture.CreateClient(_app);
        var secondFlow = await second.StartSocialSignInAsync(Provider, newUserCallbackUrl: "/welcome");

        var asNew = await first.CompleteCallbackAsync(await _stub.AuthorizeAsync(firstFlow.Url));
        var asReturning = await second.CompleteCallbackAsync(await _stub.AuthorizeAsync(secondFlow.Url));

        Assert.Equal("/welcome", asNew.Location());
        Assert.Equal(SocialSignIn.CallbackUrl, asReturning.Location());
        Assert.Equal((await first.GetAsync("/get-session")).UserId, (await second.GetAsync("/get-session")).UserId);
    }

    [Fact]
    public async Task A_form_post_callback_from_the_provider_site_signs_in()
    {
        var browser = _fixture.CreateClient(_app);
        var identity = _stub.Identity = StubIdentity.Unique();
        var flow = await browser.StartSocialSignInAsync(Provider);
        var callback = new Uri(new Uri(SocialSignIn.BaseUrl), await _stub.AuthorizeAsync(flow.Url));

        // response_mode=form_post: the provider's page POSTs code and state cross-site (its own Origin) with the browser's cookies.
        browser.Origin = _stub.Issuer.GetLeftPart(UriPartial.Authority);
        var reply = await browser.PostAsync(callback.AbsolutePath["/api/auth".Length..], callback.Query.TrimStart('?'), "application/x-www-form-urlencoded");

        Assert.Equal(SocialSignIn.CallbackUrl, reply.Location());
        Assert.Equal(identity.Email, (await browser.GetAsync("/get-session")).Json.GetProperty("user").GetProperty("email").GetString());
    }

    [Theory]
    [InlineData(IdTokenTamper.BadSignature)]
    [InlineData(IdTokenTamper.WrongIssuer)]
    [InlineData(IdTokenTamper.WrongAudience)]
    [InlineData(IdTokenTamper.Expired)]
    [InlineData(IdTokenTamper.NonceMismatch)]
    [InlineData(IdTokenTamper.NonceMissing)]
    [InlineData(IdTokenTamper.NoSignature)]
    public async Task An_id_token_the_client_must_not_trust_signs_nobody_in(IdTokenTamper tamper)
    {
        var browser = _fixture.CreateClient(_app);
        var identity = _stub.Identity = StubIdentity.Unique();
        _stub.NextTamper = tamper;
        var flow = await browser.StartSocialSignInAsync(Provider);

        var callback = await browser.CompleteCallbackAsync(await _stub.AuthorizeAsync(flow.Url));

        Assert.StartsWith(SocialSignIn.ErrorCallbackUrl + "?error=", callback.Location(), StringComparison.Ordinal);
        Assert.Null(callback.SessionCookieSet);
        Assert.False(callback.Headers.ContainsKey("set-auth-token"));
        // The code was redeemed: it is the ID token, not an earlier step, that was refused.
        Assert.Equal(1, _stub.TokenRequests);
        Assert.Equal(IdTokenTamper.None, _stub.NextTamper);
        Assert.False(await _fixture.UserWithEmailExistsAsync(identity.Email));
        Assert.Equal(0L, await _fixture.QueryScalarAsync<long>("""SELECT count(*) FROM account WHERE "accountId" = $1""", identity.Subject));
        Assert.Equal("null", (await browser.GetAsync("/get-session")).Body);
    }

    [Fact]
    public async Task A_provider_that_goes_down_before_the_code_is_redeemed_is_an_error_for_the_flow_not_a_5xx()
    {
        var stub = await StubOpenIdProvider.StartAsync("auth-api-flaky");
        var app = _fixture.CreateApp(SocialSignIn.Settings(stub.ProviderSettings("stub-flaky")));
        var browser = _fixture.CreateClient(app);
        var identity = stub.Identity;
        var flow = await browser.StartSocialSignInAsync("stub-flaky");
        var callback = await stub.AuthorizeAsync(flow.Url);
        await stub.DisposeAsync();

        var clock = Stopwatch.StartNew();
        var reply = await browser.CompleteCallbackAsync(callback);
        clock.Stop();

        Assert.StartsWith(SocialSignIn.ErrorCallbackUrl + "?error=", reply.Location(), StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(10));
        Assert.Null(reply.SessionCookieSet);
        Assert.False(await _fixture.UserWithEmailExistsAsync(identity.Email));
    }

    [Fact]
    public async Task Starting_answers_200_with_the_authorization_url_in_the_body_and_the_location_header()
    {
        var browser = _fixture.CreateClient(_app);

        var flow = await browser.StartSocialSignInAsync(Provider);

        Assert.Equal("application/json", flow.Reply.MediaType);
        Assert.True(flow.Reply.Json.GetProperty("redirect").GetBoolean());
        Assert.Equal(flow.Url, flow.Reply.Headers["location"]);
        Assert.StartsWith(new Uri(_stub.Issuer, "authorize").ToString() + "?", flow.Url, StringComparison.Ordinal);
        var query = flow.UrlQuery;
        Assert.Equal("code", query["response_type"]);
        Assert.Equal(_stub.ClientId, query["client_id"]);
        Assert.Equal($"{SocialSignIn.BaseUrl}/api/auth/callback/{Provider}", query["redirect_uri"]);
        Assert.Equal("S256", query["code_challenge_method"]);
        Assert.Matches("^[A-Za-z0-9_-]{43}$", query["code_challenge"]);
        Assert.False(string.IsNullOrEmpty(query["state"]));
        Assert.False(string.IsNullOrEmpty(query["nonce"]));
        Assert.Contains("openid", query["scope"].Split(' '));
        var stateCookie = Assert.Single(flow.Reply.SetCookies, cookie => cookie.StartsWith(SocialSignIn.StateCookiePrefix, StringComparison.Ordinal));
        Assert.Contains("httponly", stateCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", stateCookie, StringComparison.OrdinalIgnoreCase);
        // Every start is a new flow: another state, another verifier, another nonce.
        var again = (await _fixture.CreateClient(_app).StartSocialSignInAsync(Provider)).UrlQuery;
        Assert.NotEqual(query["state"], again["state"]);
        Assert.NotEqual(query["code_challenge"], again["code_challenge"]);
        Assert.NotEqual(query["nonce"], again["nonce"]);
    }

    [Fact]
    public async Task DisableRedirect_answers_redirect_false()
    {
        var reply = await _fixture.CreateClient(_app).PostAsync("/sign-in/social",
            JsonSerializer.Serialize(new { provider = Provider, callbackURL = "/after", disableRedirect = true }));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.False(reply.Json.GetProperty("redirect").GetBoolean());
        Assert.StartsWith(new Uri(_stub.Issuer, "authorize").ToString(), reply.Json.GetProperty("url").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_provider_is_404_PROVIDER_NOT_FOUND()
    {
        var reply = await _fixture.CreateClient(_app).PostAsync("/sign-in/social", JsonSerializer.Serialize(new { provider = "no-such-provider" }));

        Assert.Equal((HttpStatusCode.NotFound, "PROVIDER_NOT_FOUND"), (reply.Status, reply.Code));
        Assert.DoesNotContain(reply.SetCookies, cookie => cookie.StartsWith(SocialSignIn.StateCookiePrefix, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("callbackURL", "https://evil.example/x")]
    [InlineData("callbackURL", "//evil.example")]
    [InlineData("errorCallbackURL", "https://evil.example/x")]
    [InlineData("errorCallbackURL", "//evil.example")]
    [InlineData("newUserCallbackURL", "https://evil.example/x")]
    [InlineData("newUserCallbackURL", "//evil.example")]
    [InlineData("callbackURL", "/\\evil.example")]
    [InlineData("callbackURL", "javascript:alert(1)")]
    public async Task A_redirect_to_another_site_is_403_INVALID_CALLBACK_URL(string field, string url)
    {
        var body = new Dictionary<string, string> { ["provider"] = Provider, [field] = url };

        var reply = await _fixture.CreateClient(_app).PostAsync("/sign-in/social", JsonSerializer.Serialize(body));

        Assert.Equal((HttpStatusCode.Forbidden, "INVALID_CALLBACK_URL"), (reply.Status, reply.Code));
        Assert.DoesNotContain(reply.SetCookies, cookie => cookie.StartsWith(SocialSignIn.StateCookiePrefix, StringComparison.Ordinal));
        Assert.Empty(_stub.Authorizations);
    }

    [Theory]
    [InlineData("not json", "application/json")]
    [InlineData("{", "application/json")]
    [InlineData("[]", "application/json")]
    [InlineData("\"stub-signin\"", "application/json")]
    [InlineData("{\"provider\":123}", "application/json")]
    [InlineData("{\"provider\":\"stub-signin\",\"disableRedirect\":\"yes\"}", "application/json")]
    [InlineData("{\"provider\":\"stub-signin\",\"scopes\":\"openid\"}", "application/json")]
    [InlineData("{\"provider\":\"stub-signin\",\"scopes\":[\"bad scope\"]}", "application/json")]
    [InlineData("{}", "application/json")]
    [InlineData("provider=stub-signin", "application/x-www-form-urlencoded")]
    [InlineData("provider=stub-signin", "text/plain")]
    public async Task A_body_that_is_not_a_sign_in_request_is_a_4xx_json_error(string body, string contentType)
    {
        var reply = await _fixture.CreateClient(_app).PostAsync("/sign-in/social", body, contentType);

        Assert.InRange((int)reply.Status, 400, 499);
        Assert.Equal("application/json", reply.MediaType);
        Assert.False(string.IsNullOrEmpty(reply.Json.GetProperty("message").GetString()));
        Assert.False(string.IsNullOrEmpty(reply.Code));
        Assert.Empty(_stub.Authorizations);
    }

    [Fact]
    public async Task A_provider_that_cannot_be_reached_is_503_PROVIDER_UNAVAILABLE_quickly_and_email_sign_in_still_works()
    {
        const string down = "stub-down";
        var gone = await StubOpenIdProvider.StartAsync("auth-api-down");
        var settings = gone.ProviderSettings(down);
        await gone.DisposeAsync();
        var app = _fixture.CreateApp(SocialSignIn.Settings(_stub.ProviderSettings(Provider), settings));
        var browser = _fixture.CreateClient(app);
        var email = TestData.UniqueEmail();
        Assert.Equal(HttpStatusCode.OK, (await browser.SignUpAsync(email)).Status);
        browser.SessionCookie = null;

        var clock = Stopwatch.StartNew();
        var reply = await browser.PostAsync("/sign-in/social", JsonSerializer.Serialize(new { provider = down, callbackURL = "/after" }));
        clock.Stop();

        Assert.Equal((HttpStatusCode.ServiceUnavailable, "PROVIDER_UNAVAILABLE"), (reply.Status, reply.Code));
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(10));
        Assert.DoesNotContain(reply.SetCookies, cookie => cookie.StartsWith(SocialSignIn.StateCookiePrefix, StringComparison.Ordinal));
        var signIn = await browser.SignInAsync(email);
        Assert.Equal(HttpStatusCode.OK, signIn.Status);
        Assert.Equal(email, (await browser.GetAsync("/get-session")).Json.GetProperty("user").GetProperty("email").GetString());
        // The other provider is not held up by the one that is down.
        Assert.Equal(HttpStatusCode.OK, (await browser.PostAsync("/sign-in/social", JsonSerializer.Serialize(new { provider = Provider }))).Status);
    }
}
