using System.Net;
using AspireAuth.Web.Tests.Harness;

namespace AspireAuth.Web.Tests;

/// <summary>Guests shop without friction; the storefront calls the backends with the visitor's session and nothing else.</summary>
public sealed class GuestSessionTests
{
    [Fact]
    public async Task First_add_to_cart_signs_the_visitor_in_as_a_guest_and_uses_the_new_session_at_once()
    {
        await using var backend = await StubBackend.StartAsync(app =>
        {
            app.MapGet("/api/catalog", () => BackendAnswers.Catalog);
            app.MapPost("/api/auth/sign-in/anonymous", (HttpContext context) =>
                BackendAnswers.SignedIn(context, StubBackend.GuestCookie, "guest", "Anonymous", isAnonymous: true));
            app.MapGet("/api/auth/get-session", () => BackendAnswers.Session("guest", "Anonymous", isAnonymous: true));
            app.MapPost("/api/cart/items", () => BackendAnswers.Cart((1, "Trail Running Shoes", 89.90m, 2)));
            app.MapGet("/api/cart", () => BackendAnswers.Cart((1, "Trail Running Shoes", 89.90m, 2)));
        });
        await using var storefront = Storefront.Over(backend);
        using var browser = storefront.CreateBrowser();

        using var added = await browser.SubmitFormAsync("/", new Dictionary<string, string> { ["productId"] = "1", ["quantity"] = "2" }, handler: "Add");

        Assert.Equal(HttpStatusCode.Redirect, added.StatusCode);
        Assert.Contains(added.Headers.GetValues("Set-Cookie"), cookie => cookie.StartsWith(StubBackend.GuestCookie, StringComparison.Ordinal));
        var signIn = backend.OnlyRequest("POST", "/api/auth/sign-in/anonymous");
        Assert.Null(signIn.Cookie);
        Assert.Equal(StubBackend.GuestCookie, backend.OnlyRequest("POST", "/api/cart/items").Cookie);

        var catalog = await browser.FollowAsync(added);
        Assert.Contains("Added 2 × Trail Running Shoes to your cart.", catalog, StringComparison.Ordinal);
        Assert.Contains("Guest</span>", catalog, StringComparison.Ordinal);
        Assert.Contains("Forget me", catalog, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_guest_adding_again_is_not_signed_in_again()
    {
        await using var backend = await StubBackend.StartAsync(app =>
        {
            app.MapGet("/api/catalog", () => BackendAnswers.Catalog);
            app.MapGet("/api/auth/get-session", () => BackendAnswers.Session("guest", "Anonymous", isAnonymous: true));
            app.MapPost("/api/cart/items", () => BackendAnswers.Cart((2, "Trail Map Set", 14.50m, 1)));
            app.MapGet("/api/cart", () => BackendAnswers.Cart((2, "Trail Map Set", 14.50m, 1)));
        });
        await using var storefront = Storefront.Over(backend);
        using var browser = storefront.CreateBrowser();
        browser.DefaultRequestHeaders.Add("Cookie", StubBackend.GuestCookie);

        using var added = await browser.SubmitFormAsync("/", new Dictionary<string, string> { ["productId"] = "2", ["quantity"] = "1" }, handler: "Add");

        Assert.Equal(HttpStatusCode.Redirect, added.StatusCode);
        Assert.DoesNotContain(backend.Requests, request => request.PathAndQuery == "/api/auth/sign-in/anonymous");
    }

    [Fact]
    public async Task Calls_to_auth_api_carry_the_session_cookie_origin_and_browser_address_but_no_other_cookie()
    {
        await using var backend = await StubBackend.StartAsync(app =>
        {
            app.MapGet("/api/catalog", () => BackendAnswers.Catalog);
            app.MapGet("/api/auth/get-session", () => BackendAnswers.Session("guest", "Anonymous", isAnonymous: true));
            app.MapGet("/api/cart", () => BackendAnswers.Cart());
            app.MapPost("/api/auth/sign-in/email", (HttpContext context) =>
                BackendAnswers.SignedIn(context, StubBackend.MemberCookie, "member", "Ada", isAnonymous: false));
        });
        await using var storefront = Storefront.Over(backend);
        using var browser = storefront.CreateBrowser();
        browser.DefaultRequestHeaders.Add("Cookie", StubBackend.GuestCookie + "; analytics=do-not-forward");

        using var signedIn = await browser.SubmitFormAsync("/SignIn", new Dictionary<string, string>
        {
            ["Email"] = "ada@example.com",
            ["Password"] = "correct horse battery",
        });

        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        var signIn = backend.OnlyRequest("POST", "/api/auth/sign-in/email");
        Assert.Equal(StubBackend.GuestCookie, signIn.Cookie);
        Assert.Equal(Storefront.PublicOrigin, signIn.Origin);
        Assert.Equal(Storefront.BrowserAddress.ToString(), signIn.ForwardedFor);
        Assert.Equal(Storefront.BrowserUserAgent, signIn.UserAgent);
        Assert.All(backend.Requests, request => Assert.DoesNotContain("Antiforgery", request.Cookie ?? "", StringComparison.Ordinal));
        Assert.All(backend.Requests, request => Assert.DoesNotContain("analytics", request.Cookie ?? "", StringComparison.Ordinal));
        Assert.Contains(signedIn.Headers.GetValues("Set-Cookie"), cookie => cookie.StartsWith(StubBackend.MemberCookie, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Header_shows_the_name_of_a_signed_in_user_and_sign_in_links_without_a_session()
    {
        await using var backend = await StubBackend.StartAsync(app =>
        {
            app.MapGet("/api/catalog", () => BackendAnswers.Catalog);
            app.MapGet("/api/auth/get-session", () => BackendAnswers.Session("member", "Ada Lovelace", isAnonymous: false));
            app.MapGet("/api/cart", () => BackendAnswers.Cart((1, "Trail Running Shoes", 89.90m, 3)));
        });
        await using var storefront = Storefront.Over(backend);
        using var stranger = storefront.CreateBrowser();
        using var member = storefront.CreateBrowser();
        member.DefaultRequestHeaders.Add("Cookie", StubBackend.MemberCookie);

        var strangerPage = await stranger.GetStringAsync(new Uri("/", UriKind.Relative));
        var memberPage = await member.GetStringAsync(new Uri("/", UriKind.Relative));

        Assert.DoesNotContain("account-badge", strangerPage, StringComparison.Ordinal);
        Assert.Contains(">Sign in</a>", strangerPage, StringComparison.Ordinal);
        Assert.DoesNotContain(backend.Requests, request => request.Cookie is null && request.PathAndQuery == "/api/auth/get-session");
        Assert.Contains("Signed in as </span>Ada Lovelace", memberPage, StringComparison.Ordinal);
        Assert.Contains("3<span class=\"visually-hidden\"> items</span>", memberPage, StringComparison.Ordinal);
        Assert.DoesNotContain("Forget me", memberPage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forget_me_deletes_the_guest_cart_and_the_anonymous_user()
    {
        await using var backend = await StubBackend.StartAsync(app =>
        {
            app.MapGet("/api/catalog", () => BackendAnswers.Catalog);
            app.MapGet("/api/auth/get-session", () => BackendAnswers.Session("guest", "Anonymous", isAnonymous: true));
            app.MapGet("/api/cart", () => BackendAnswers.Cart());
            app.MapDelete("/api/cart", () => Results.NoContent());
            app.MapPost("/api/auth/delete-anonymous-user", (HttpContext context) =>
            {
                context.Response.Headers.Append("Set-Cookie", "better-auth.session_token=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax");
                return Results.Json(new { success = true });
            });
        });
        await using var storefront = Storefront.Over(backend);
        using var browser = storefront.CreateBrowser();
        browser.DefaultRequestHeaders.Add("Cookie", StubBackend.GuestCookie);

        using var forgotten = await browser.SubmitFormAsync("/ForgetMe", new Dictionary<string, string>());

        Assert.Equal(HttpStatusCode.Redirect, forgotten.StatusCode);
        Assert.Equal(["/api/cart", "/api/auth/delete-anonymous-user"],
            backend.Requests.Where(request => request.Method is "DELETE" or "POST").Select(request => request.PathAndQuery));
        Assert.Contains(forgotten.Headers.GetValues("Set-Cookie"), cookie => cookie.StartsWith("better-auth.session_token=;", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_auth_api_is_reachable_through_the_storefront_origin()
    {
        await using var backend = await StubBackend.StartAsync(app =>
            app.MapPost("/api/auth/sign-in/anonymous", (HttpContext context) =>
                BackendAnswers.SignedIn(context, StubBackend.GuestCookie, "guest", "Anonymous", isAnonymous: true)));
        await using var storefront = Storefront.Over(backend);
        using var browser = storefront.CreateBrowser();

        using var response = await browser.PostAsync(new Uri("/api/auth/sign-in/anonymous", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"isAnonymous\":true", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains(response.Headers.GetValues("Set-Cookie"), cookie => cookie.StartsWith(StubBackend.GuestCookie, StringComparison.Ordinal));
        Assert.Equal(Storefront.BrowserAddress.ToString(), backend.OnlyRequest("POST", "/api/auth/sign-in/anonymous").ForwardedFor);
    }

    [Fact]
    public async Task Unknown_auth_paths_keep_auth_api_bare_404()
    {
        await using var backend = await StubBackend.StartAsync(app => app.MapGet("/api/auth/ok", () => Results.Json(new { ok = true })));
        await using var storefront = Storefront.Over(backend);
        using var browser = storefront.CreateBrowser();

        using var response = await browser.GetAsync(new Uri("/api/auth/nothing-here", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("", await response.Content.ReadAsStringAsync());
    }
}
