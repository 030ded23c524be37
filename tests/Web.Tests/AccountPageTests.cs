using System.Collections.Concurrent;
using System.Net;
using System.Text.RegularExpressions;
using AspireAuth.Web.Tests.Harness;

namespace AspireAuth.Web.Tests;

/// <summary>The account page: who is signed in and how they can sign in, linking identity providers and unlinking methods.</summary>
public sealed class AccountPageTests
{
    private static readonly Dictionary<string, string?> TwoProviders = new()
    {
        ["Web:SocialProviders:trailhead"] = "Trailhead ID",
        ["Web:SocialProviders:summit"] = "Summit Login",
    };

    private static readonly object CredentialAccount = Account("credential", "member");

    private static readonly object TrailheadAccount = Account("trailhead", "th-42");

    [Fact]
    public async Task Lists_the_sign_in_methods_and_offers_to_link_the_providers_not_linked_yet()
    {
        await using var authApi = await StubBackend.StartAsync(app => MapMember(app, [CredentialAccount, TrailheadAccount]));
        await using var storefront = SocialAnswers.StorefrontOver(authApi, TwoProviders);
        using var browser = MemberBrowser(storefront);

        using var response = await browser.GetAsync(new Uri("/Account", UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("<span id=\"account-name\">Ada</span>", html, StringComparison.Ordinal);
        Assert.Contains("<span id=\"account-email\">ada@example.com</span>", html, StringComparison.Ordinal);
        Assert.Contains("Sign-in methods", html, StringComparison.Ordinal);
        Assert.Contains("<strong>Email and password</strong>", html, StringComparison.Ordinal);
        Assert.Contains("<strong>Trailhead ID</strong>", html, StringComparison.Ordinal);
        Assert.Equal(2, Occurrences(html, ">Unlink</button>"));
        Assert.Contains(">Link Summit Login</button>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Link Trailhead ID", html, StringComparison.Ordinal);
        Assert.Equal(StubBackend.MemberCookie, authApi.OnlyRequest("GET", "/api/auth/list-accounts").Cookie);
        Assert.Contains("form-action 'self' https: http:;", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_only_method_cannot_be_unlinked()
    {
        await using var authApi = await StubBackend.StartAsync(app => MapMember(app, [CredentialAccount]));
        await using var storefront = SocialAnswers.StorefrontOver(authApi);
        using var browser = MemberBrowser(storefront);

        var html = await browser.GetStringAsync(new Uri("/Account", UriKind.Relative));

        Assert.Contains("<strong>Email and password</strong>", html, StringComparison.Ordinal);
        Assert.DoesNotContain(">Unlink</button>", html, StringComparison.Ordinal);
        Assert.Contains(">Link Trailhead ID</button>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Link_starts_linking_at_the_provider_and_comes_back_to_the_account_page()
    {
        var started = new ConcurrentQueue<SocialRequest>();
        await using var authApi = await StubBackend.StartAsync(app =>
        {
            MapMember(app, [CredentialAccount]);
            SocialAnswers.MapStart(app, "/api/auth/link-social", started);
        });
        await using var storefront = SocialAnswers.StorefrontOver(authApi);
        using var browser = MemberBrowser(storefront);

        using var response = await browser.SubmitFormAsync("/Account", new Dictionary<string, string> { ["provider"] = "trailhead" }, handler: "Link");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(SocialAnswers.AuthorizationUrl, response.Headers.Location?.AbsoluteUri);
        Assert.Contains(response.Headers.GetValues("Set-Cookie"), cookie => cookie.StartsWith(SocialAnswers.StateCookie + ";", StringComparison.Ordinal));
        Assert.Equal(new SocialRequest("trailhead", "/Account", "/Account"), Assert.Single(started));
        var call = authApi.OnlyRequest("POST", "/api/auth/link-social");
        Assert.Equal(StubBackend.MemberCookie, call.Cookie);
        Assert.Equal(Storefront.PublicOrigin, call.Origin);
    }

    [Fact]
    public async Task Linking_that_came_back_with_an_error_says_so()
    {
        await using var authApi = await StubBackend.StartAsync(app => MapMember(app, [CredentialAccount]));
        await using var storefront = SocialAnswers.StorefrontOver(authApi);
        using var browser = MemberBrowser(storefront);

        var html = await browser.GetStringAsync(new Uri("/Account?error=account_already_linked_to_different_user", UriKind.Relative));

        Assert.Contains("That sign-in is already linked to another account. Sign in with it to use that account.", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unlink_removes_the_method_and_says_so()
    {
        var unlinked = new ConcurrentQueue<string>();
        await using var authApi = await StubBackend.StartAsync(app =>
        {
            MapMember(app, [CredentialAccount, TrailheadAccount]);
            app.MapPost("/api/auth/unlink-account", async (HttpContext context) =>
            {
                unlinked.Enqueue(await new StreamReader(context.Request.Body).ReadToEndAsync());
                return Results.Json(new { status = true });
            });
        });
        await using var storefront = SocialAnswers.StorefrontOver(authApi);
        using var browser = MemberBrowser(storefront);

        using var response = await browser.SubmitFormAsync(
            "/Account", new Dictionary<string, string> { ["providerId"] = "trailhead", ["accountId"] = "th-42" }, handler: "Unlink");
        var html = await browser.FollowAsync(response);

        Assert.Equal("""{"providerId":"trailhead","accountId":"th-42"}""", Assert.Single(unlinked));
        Assert.Contains("Trailhead ID is no longer a way to sign in to your account.", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("FAILED_TO_UNLINK_LAST_ACCOUNT", "That&#x27;s your only way to sign in, so it stays. Link another sign-in method first.")]
    [InlineData("ACCOUNT_NOT_FOUND", "That sign-in method isn&#x27;t linked to your account any more.")]
    public async Task Unlink_refused_shows_why(string code, string message)
    {
        await using var authApi = await StubBackend.StartAsync(app =>
        {
            MapMember(app, [CredentialAccount, TrailheadAccount]);
            app.MapPost("/api/auth/unlink-account", () => BackendAnswers.Error(400, code, "refused"));
        });
        await using var storefront = SocialAnswers.StorefrontOver(authApi);
        using var browser = MemberBrowser(storefront);

        using var response = await browser.SubmitFormAsync(
            "/Account", new Dictionary<string, string> { ["providerId"] = "credential", ["accountId"] = "member" }, handler: "Unlink");
        using var page = await browser.GetAsync(response.Headers.Location);
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains($"<p class=\"notice notice--problem\" role=\"alert\">{message}</p>", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Guests_and_signed_out_visitors_are_sent_to_sign_in(bool guest)
    {
        await using var authApi = await StubBackend.StartAsync(app =>
        {
            app.MapGet("/api/auth/get-session", () => BackendAnswers.Session("guest", "Anonymous", isAnonymous: true));
            app.MapPost("/api/auth/link-social", () => Results.Json(new { url = SocialAnswers.AuthorizationUrl, redirect = true }));
        });
        await using var storefront = SocialAnswers.StorefrontOver(authApi);
        using var browser = storefront.CreateBrowser();
        if (guest)
        {
            browser.DefaultRequestHeaders.Add("Cookie", StubBackend.GuestCookie);
        }

        using var page = await browser.GetAsync(new Uri("/Account", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/SignIn", page.Headers.Location?.OriginalString);

        // Linking would tie the provider to a guest, who has no account to keep it.
        using var link = await PostWithTokenOfAsync(browser, "/SignIn", "/Account?handler=Link", new Dictionary<string, string> { ["provider"] = "trailhead" });
        Assert.Equal("/SignIn", link.Headers.Location?.OriginalString);
        Assert.DoesNotContain(authApi.Requests, request => request.PathAndQuery is "/api/auth/list-accounts" or "/api/auth/link-social");
    }

    [Fact]
    public async Task Sign_in_methods_refused_for_another_reason_show_a_message_not_an_error_page()
    {
        await using var authApi = await StubBackend.StartAsync(app =>
        {
            app.MapGet("/api/auth/get-session", () => BackendAnswers.Session("member", "Ada", isAnonymous: false));
            app.MapGet("/api/auth/list-accounts", () => BackendAnswers.Error(403, "FORBIDDEN", "Forbidden"));
            app.MapGet("/api/cart", () => BackendAnswers.Cart());
        });
        await using var storefront = SocialAnswers.StorefrontOver(authApi);
        using var browser = MemberBrowser(storefront);

        using var response = await browser.GetAsync(new Uri("/Account", UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("<span id=\"account-name\">Ada</span>", html, StringComparison.Ordinal);
        Assert.Contains("That didn&#x27;t work. Please try again.", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Works_with_cart_api_down()
    {
        await using var authApi = await StubBackend.StartAsync(app => MapMember(app, [CredentialAccount]));
        await using var storefront = new Storefront(authApi.Address, Storefront.ClosedPort()) { Settings = SocialAnswers.TrailheadConfigured };
        using var browser = MemberBrowser(storefront);

        using var response = await browser.GetAsync(new Uri("/Account", UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("<strong>Email and password</strong>", html, StringComparison.Ordinal);
        Assert.Contains(">Link Trailhead ID</button>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_header_links_to_the_account_page_for_an_account_not_for_a_guest()
    {
        await using var authApi = await StubBackend.StartAsync(app =>
        {
            app.MapGet("/api/auth/get-session", (HttpContext context) =>
                context.Request.Headers.Cookie.ToString().Contains("member-token", StringComparison.Ordinal)
                    ? BackendAnswers.Session("member", "Ada", isAnonymous: false)
                    : BackendAnswers.Session("guest", "Anonymous", isAnonymous: true));
            app.MapGet("/api/catalog", () => BackendAnswers.Catalog);
            app.MapGet("/api/cart", () => BackendAnswers.Cart());
        });
        await using var storefront = Storefront.Over(authApi);
        using var member = MemberBrowser(storefront);
        using var guest = storefront.CreateBrowser();
        guest.DefaultRequestHeaders.Add("Cookie", StubBackend.GuestCookie);

        Assert.Contains("<a href=\"/Account\">Account</a>", await member.GetStringAsync(new Uri("/", UriKind.Relative)), StringComparison.Ordinal);
        Assert.DoesNotContain("href=\"/Account\"", await guest.GetStringAsync(new Uri("/", UriKind.Relative)), StringComparison.Ordinal);
    }

    /// <summary>Posts to a page the visitor cannot open (it redirects), with the anti-forgery token of one they can.</summary>
    private static async Task<HttpResponseMessage> PostWithTokenOfAsync(HttpClient browser, string tokenPage, string target, Dictionary<string, string> fields)
    {
        var html = await browser.GetStringAsync(new Uri(tokenPage, UriKind.Relative));
        var token = Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"");
        Assert.True(token.Success);
        using var content = new FormUrlEncodedContent(fields.Append(new("__RequestVerificationToken", token.Groups[1].Value)));
        return await browser.PostAsync(new Uri(target, UriKind.Relative), content);
    }

    private static HttpClient MemberBrowser(Storefront storefront)
    {
        var browser = storefront.CreateBrowser();
        browser.DefaultRequestHeaders.Add("Cookie", StubBackend.MemberCookie);
        return browser;
    }

    private static void MapMember(WebApplication app, object[] accounts)
    {
        app.MapGet("/api/auth/get-session", () => BackendAnswers.Session("member", "Ada", isAnonymous: false));
        app.MapGet("/api/auth/list-accounts", () => Results.Json(accounts));
        app.MapGet("/api/cart", () => BackendAnswers.Cart());
    }

    private static object Account(string providerId, string accountId) => new
    {
        id = "account-" + accountId,
        providerId,
        accountId,
        userId = "member",
        scopes = Array.Empty<string>(),
        createdAt = "2026-11-29T10:00:00.000Z",
        updatedAt = "2026-11-29T10:00:00.000Z",
    };

    private static int Occurrences(string text, string value) => (text.Length - text.Replace(value, "", StringComparison.Ordinal).Length) / value.Length;
}
