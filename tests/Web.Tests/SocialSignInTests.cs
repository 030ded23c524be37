using System.Collections.Concurrent;
using System.Net;
using AspireAuth.Web.Tests.Harness;

namespace AspireAuth.Web.Tests;

/// <summary>
/// Signing in at an identity provider: one button per configured provider, the browser sent to the provider with
/// the cookie that binds the sign-in to it, and a clear sentence when the provider sends the visitor back with an error.
/// </summary>
public sealed class SocialSignInTests
{
    private const string ContinueWithTrailhead = "Continue with Trailhead ID";

    [Theory]
    [InlineData("/SignIn")]
    [InlineData("/SignUp")]
    public async Task Each_configured_provider_has_a_button(string page)
    {
        await using var authApi = await StubBackend.StartAsync(_ => { });
        await using var storefront = SocialAnswers.StorefrontOver(authApi, new Dictionary<string, string?>
        {
            ["Web:SocialProviders:trailhead"] = "Trailhead ID",
            ["Web:SocialProviders:summit"] = "Summit Login",
        });
        using var browser = storefront.CreateBrowser();

        using var response = await browser.GetAsync(new Uri(page, UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains($">{ContinueWithTrailhead}</button>", html, StringComparison.Ordinal);
        Assert.Contains(">Continue with Summit Login</button>", html, StringComparison.Ordinal);
        Assert.Contains("name=\"provider\" value=\"trailhead\"", html, StringComparison.Ordinal);
        Assert.Contains($"action=\"{page}?handler=Social\"", html, StringComparison.Ordinal);
        // The form's answer redirects to the identity provider: the page's policy lets it (the storefront here is http).
        Assert.Contains("form-action 'self' https: http:;", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Trailhead ID", "Trailhead ID")]
    [InlineData("trailhead", " ")]
    public async Task A_provider_with_an_unusable_id_or_no_display_name_stops_the_storefront_at_start(string providerId, string displayName)
    {
        await using var authApi = await StubBackend.StartAsync(_ => { });
        await using var storefront = SocialAnswers.StorefrontOver(authApi, new Dictionary<string, string?>
        {
            [$"Web:SocialProviders:{providerId}"] = displayName,
        });

        var failure = Assert.ThrowsAny<Exception>(() => storefront.CreateBrowser());

        Assert.Contains("Web:SocialProviders maps provider ids", failure.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/SignIn")]
    [InlineData("/SignUp")]
    public async Task Without_configured_providers_there_are_no_buttons_and_forms_stay_on_the_storefront(string page)
    {
        await using var authApi = await StubBackend.StartAsync(_ => { });
        await using var storefront = Storefront.Over(authApi);
        using var browser = storefront.CreateBrowser();

        using var response = await browser.GetAsync(new Uri(page, UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("Continue with", html, StringComparison.Ordinal);
        Assert.DoesNotContain("handler=Social", html, StringComparison.Ordinal);
        Assert.Contains("form-action 'self';", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/SignIn")]
    [InlineData("/SignUp")]
    public async Task Continue_with_a_provider_starts_its_sign_in_and_sends_the_browser_there_with_the_state_cookie(string page)
    {
        var started = new ConcurrentQueue<SocialRequest>();
        await using var authApi = await StubBackend.StartAsync(app => SocialAnswers.MapStart(app, "/api/auth/sign-in/social", started));
        await using var storefront = SocialAnswers.StorefrontOver(authApi);
        using var browser = storefront.CreateBrowser();

        using var response = await browser.SubmitFormAsync(page, new Dictionary<string, string> { ["provider"] = "trailhead" }, handler: "Social");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(SocialAnswers.AuthorizationUrl, response.Headers.Location?.AbsoluteUri);
        var setCookies = response.Headers.GetValues("Set-Cookie").ToList();
        Assert.Contains(setCookies, cookie => cookie.StartsWith(SocialAnswers.StateCookie + ";", StringComparison.Ordinal));
        Assert.DoesNotContain(setCookies, cookie => cookie.StartsWith("aspireauth.guest-cart", StringComparison.Ordinal));

        var request = Assert.Single(started);
        Assert.Equal(new SocialRequest("trailhead", "/", $"{page}/trailhead"), request);
        var call = authApi.OnlyRequest("POST", "/api/auth/sign-in/social");
        Assert.Equal(Storefront.PublicOrigin, call.Origin);
        Assert.Equal(Storefront.BrowserAddress.ToString(), call.ForwardedFor);
    }

    [Fact]
    public async Task A_guest_comes_back_to_the_cart_which_waits_for_the_takeover_however_long_the_provider_took()
    {
        var signedIn = false;
        var started = new ConcurrentQueue<SocialRequest>();
        await using var backend = await StubBackend.StartAsync(app =>
        {
            SocialAnswers.MapStart(app, "/api/auth/sign-in/social", started);
            app.MapGet("/api/auth/get-session", () => signedIn
                ? BackendAnswers.Session("member", "Ada", isAnonymous: false)
                : BackendAnswers.Session("guest", "Anonymous", isAnonymous: true));
            // The identity provider sends the browser to the storefront, whose proxy passes it on to Auth.Api.
            app.MapGet("/api/auth/callback/trailhead", (HttpContext context) =>
            {
                signedIn = true;
                context.Response.Headers.Append("Set-Cookie", StubBackend.MemberCookie + "; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax");
                return Results.Redirect(Assert.Single(started).CallbackURL!);
            });
            app.MapGet("/api/cart/merge-status", (string from) => Results.Json(new { pending = true }));
            app.MapGet("/api/cart", () => BackendAnswers.Cart((1, "Trail Running Shoes", 89.90m, 1)));
        });
        await using var storefront = SocialAnswers.StorefrontOver(backend);
        using var browser = storefront.CreateBrowser();
        browser.DefaultRequestHeaders.Add("Cookie", StubBackend.GuestCookie);

        using var toProvider = await browser.SubmitFormAsync("/SignIn", new Dictionary<string, string> { ["provider"] = "trailhead" }, handler: "Social");
        Assert.Equal(SocialAnswers.AuthorizationUrl, toProvider.Headers.Location?.AbsoluteUri);
        Assert.Contains(toProvider.Headers.GetValues("Set-Cookie"), cookie => cookie.StartsWith("aspireauth.guest-cart=", StringComparison.Ordinal));

        // Minutes at the provider's sign-in page: more than the cart page's ten-second wait.
        storefront.Time.Advance(TimeSpan.FromMinutes(3));
        using var back = await browser.GetAsync(new Uri("/api/auth/callback/trailhead?code=abc&state=state-123", UriKind.Relative));
        Assert.Equal("/Cart", back.Headers.Location?.OriginalString);

        var waiting = await browser.FollowAsync(back);
        Assert.Contains("Moving your guest cart…", waiting, StringComparison.Ordinal);
        Assert.Contains(backend.Requests, request => request.PathAndQuery == "/api/cart/merge-status?from=guest");

        // From the return on, the usual ten seconds.
        storefront.Time.Advance(TimeSpan.FromSeconds(11));
        var overdue = await browser.GetStringAsync(new Uri("/Cart", UriKind.Relative));
        Assert.Contains("Your guest cart is taking longer than usual", overdue, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_guest_back_with_an_error_has_no_cart_takeover_to_wait_for()
    {
        var started = new ConcurrentQueue<SocialRequest>();
        await using var backend = await StubBackend.StartAsync(app =>
        {
            SocialAnswers.MapStart(app, "/api/auth/sign-in/social", started);
            app.MapGet("/api/auth/get-session", () => BackendAnswers.Session("guest", "Anonymous", isAnonymous: true));
        });
        await using var storefront = SocialAnswers.StorefrontOver(backend);
        using var browser = storefront.CreateBrowser();
        browser.DefaultRequestHeaders.Add("Cookie", StubBackend.GuestCookie);
        using var toProvider = await browser.SubmitFormAsync("/SignIn", new Dictionary<string, string> { ["provider"] = "trailhead" }, handler: "Social");
        Assert.Equal("/SignIn/trailhead", Assert.Single(started).ErrorCallbackURL);

        using var back = await browser.GetAsync(new Uri("/SignIn/trailhead?error=access_denied", UriKind.Relative));

        Assert.Contains(back.Headers.GetValues("Set-Cookie"), cookie => cookie.StartsWith("aspireauth.guest-cart=;", StringComparison.Ordinal));
        Assert.Contains(Html("Signing in with Trailhead ID was cancelled."), await back.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    public static TheoryData<string, string> ReturnErrors => new()
    {
        { "account_not_linked", "An account with this email already exists. Sign in with your password, then link Trailhead ID from your account page." },
        { "state_mismatch", "That sign-in expired or was started in another browser. Please try again." },
        { "access_denied", "Signing in with Trailhead ID was cancelled. Try again, or sign in with your email and password." },
        { "provider_unavailable", "Trailhead ID can't be reached right now. Sign in with your email and password, or try again later." },
        { "email_not_found", "Trailhead ID didn't share an email address, and your account needs one. Sign in with your email and password." },
        { "something_new", "Signing in didn't work. Please try again, or sign in with your email and password." },
    };

    [Theory]
    [MemberData(nameof(ReturnErrors))]
    public async Task Coming_back_with_an_error_says_what_happened_and_what_to_do(string code, string message)
    {
        await using var authApi = await StubBackend.StartAsync(_ => { });
        await using var storefront = SocialAnswers.StorefrontOver(authApi);
        using var browser = storefront.CreateBrowser();

        foreach (var page in new[] { "/SignIn", "/SignUp" })
        {
            using var response = await browser.GetAsync(new Uri($"{page}/trailhead?error={code}", UriKind.Relative));
            var html = await response.Content.ReadAsStringAsync();

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains($"<div class=\"form-error\" role=\"alert\" id=\"form-error\">{Html(message)}</div>", html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Hostile_error_and_provider_values_are_never_echoed()
    {
        await using var authApi = await StubBackend.StartAsync(_ => { });
        await using var storefront = SocialAnswers.StorefrontOver(authApi);
        using var browser = storefront.CreateBrowser();

        using var response = await browser.GetAsync(new Uri(
            "/SignIn/%3Cscript%3Ealert(1)%3C%2Fscript%3E?error=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E", UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(Html("Signing in didn't work. Please try again, or sign in with your email and password."), html, StringComparison.Ordinal);
        Assert.DoesNotContain("<img src=x", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>alert", html, StringComparison.Ordinal);

        using var unknownProvider = await browser.GetAsync(new Uri("/SignIn/%3Cb%3Ebold%3C%2Fb%3E?error=account_not_linked", UriKind.Relative));
        var unknownHtml = await unknownProvider.Content.ReadAsStringAsync();
        Assert.Contains("then link the identity provider from your account page.", unknownHtml, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>bold", unknownHtml, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(404, "PROVIDER_NOT_FOUND", "Signing in with Trailhead ID isn't available right now. Use your email and password instead.")]
    [InlineData(503, "PROVIDER_UNAVAILABLE", "Trailhead ID can't be reached right now. Please try again later.")]
    [InlineData(403, "INVALID_CALLBACK_URL", "That didn't work. Please try again.")]
    public async Task Auth_api_refusing_to_start_shows_a_message_on_the_page_not_an_error_page(int status, string code, string message)
    {
        await using var authApi = await StubBackend.StartAsync(app =>
            app.MapPost("/api/auth/sign-in/social", () => BackendAnswers.Error(status, code, "refused")));
        await using var storefront = SocialAnswers.StorefrontOver(authApi);
        using var browser = storefront.CreateBrowser();

        using var response = await browser.SubmitFormAsync("/SignIn", new Dictionary<string, string> { ["provider"] = "trailhead" }, handler: "Social");
        Assert.Equal("/SignIn", response.Headers.Location?.OriginalString);
        using var page = await browser.GetAsync(response.Headers.Location);
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains(Html(message), html, StringComparison.Ordinal);
        Assert.DoesNotContain("We're having trouble", html, StringComparison.Ordinal);
        Assert.Contains(ContinueWithTrailhead, html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_provider_that_is_not_configured_is_refused_without_asking_auth_api()
    {
        await using var authApi = await StubBackend.StartAsync(_ => { });
        await using var storefront = SocialAnswers.StorefrontOver(authApi);
        using var browser = storefront.CreateBrowser();

        using var response = await browser.SubmitFormAsync("/SignIn", new Dictionary<string, string> { ["provider"] = "elsewhere" }, handler: "Social");
        var html = await browser.FollowAsync(response);

        Assert.Contains(Html("That way of signing in isn't available. Use your email and password instead."), html, StringComparison.Ordinal);
        Assert.DoesNotContain(authApi.Requests, request => request.PathAndQuery.StartsWith("/api/auth/sign-in/social", StringComparison.Ordinal));
    }

    /// <summary>A sentence as the page encodes it.</summary>
    private static string Html(string text) => text.Replace("'", "&#x27;", StringComparison.Ordinal);
}
