using System.Net;
using AspireAuth.Web.Tests.Harness;

namespace AspireAuth.Web.Tests;

/// <summary>
/// After a guest signs up or in, Cart.Api takes the guest cart over asynchronously: the cart page waits
/// for it (never shows a cart that fills in later), and stops waiting after about ten seconds.
/// </summary>
public sealed class GuestCartTakeoverTests
{
    private const string Moving = "Moving your guest cart…";

    [Fact]
    public async Task Cart_page_waits_while_the_takeover_is_pending_then_shows_the_account_cart()
    {
        var takeoverPending = true;
        await using var backend = await StubBackend.StartAsync(app => MapGuestSigningIn(app, () => takeoverPending));
        await using var storefront = Storefront.Over(backend);
        using var browser = storefront.CreateBrowser();
        browser.DefaultRequestHeaders.Add("Cookie", StubBackend.GuestCookie);

        using var signedIn = await SignInAsync(browser);
        Assert.Equal("/Cart", signedIn.Headers.Location?.OriginalString);

        var waiting = await browser.FollowAsync(signedIn);
        Assert.Contains(Moving, waiting, StringComparison.Ordinal);
        Assert.Contains("<meta http-equiv=\"refresh\" content=\"1\" />", waiting, StringComparison.Ordinal);
        Assert.DoesNotContain("Your cart is empty", waiting, StringComparison.Ordinal);
        Assert.DoesNotContain("class=\"cart-count\"", waiting, StringComparison.Ordinal);
        Assert.Contains(backend.Requests, request => request.PathAndQuery == "/api/cart/merge-status?from=guest");

        takeoverPending = false;
        var taken = await browser.GetStringAsync(new Uri("/Cart", UriKind.Relative));
        Assert.DoesNotContain(Moving, taken, StringComparison.Ordinal);
        Assert.Contains("Trail Running Shoes", taken, StringComparison.Ordinal);
        Assert.Contains("Trail Map Set", taken, StringComparison.Ordinal);

        var statusChecks = backend.Requests.Count(IsTakeoverStatus);
        var later = await browser.GetStringAsync(new Uri("/Cart", UriKind.Relative));
        Assert.Equal(statusChecks, backend.Requests.Count(IsTakeoverStatus));
        Assert.Contains("Trail Map Set", later, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cart_page_stops_waiting_after_ten_seconds_with_a_friendly_note()
    {
        await using var backend = await StubBackend.StartAsync(app => MapGuestSigningIn(app, () => true));
        await using var storefront = Storefront.Over(backend);
        using var browser = storefront.CreateBrowser();
        browser.DefaultRequestHeaders.Add("Cookie", StubBackend.GuestCookie);
        using var signedIn = await SignInAsync(browser);

        storefront.Time.Advance(TimeSpan.FromSeconds(11));
        using var response = await browser.GetAsync(signedIn.Headers.Location);
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain(Moving, html, StringComparison.Ordinal);
        Assert.Contains("Your guest cart is taking longer than usual", html, StringComparison.Ordinal);
        Assert.Contains("Trail Running Shoes", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_visitor_who_was_not_a_guest_goes_to_the_catalog_without_waiting()
    {
        await using var backend = await StubBackend.StartAsync(app => MapGuestSigningIn(app, () => true));
        await using var storefront = Storefront.Over(backend);
        using var browser = storefront.CreateBrowser();

        using var signedIn = await SignInAsync(browser);

        Assert.Equal("/", signedIn.Headers.Location?.OriginalString);
        Assert.DoesNotContain(signedIn.Headers.GetValues("Set-Cookie"), cookie => cookie.StartsWith("aspireauth.guest-cart", StringComparison.Ordinal));
    }

    private static bool IsTakeoverStatus(RecordedRequest request) =>
        request.PathAndQuery.StartsWith("/api/cart/merge-status", StringComparison.Ordinal);

    private static Task<HttpResponseMessage> SignInAsync(HttpClient browser) =>
        browser.SubmitFormAsync("/SignIn", new Dictionary<string, string>
        {
            ["Email"] = "ada@example.com",
            ["Password"] = "correct horse battery",
        });

    /// <summary>A guest session until sign-in; then Ada's session, whose cart holds the guest's item once the takeover has landed.</summary>
    private static void MapGuestSigningIn(WebApplication app, Func<bool> takeoverPending)
    {
        app.MapGet("/api/catalog", () => BackendAnswers.Catalog);
        app.MapGet("/api/auth/get-session", (HttpContext context) =>
            context.Request.Headers.Cookie.ToString().Contains("member-token", StringComparison.Ordinal)
                ? BackendAnswers.Session("member", "Ada", isAnonymous: false)
                : BackendAnswers.Session("guest", "Anonymous", isAnonymous: true));
        app.MapPost("/api/auth/sign-in/email", (HttpContext context) =>
            BackendAnswers.SignedIn(context, StubBackend.MemberCookie, "member", "Ada", isAnonymous: false));
        app.MapGet("/api/cart/merge-status", (string from) => Results.Json(new { pending = takeoverPending() }));
        app.MapGet("/api/cart", () => takeoverPending()
            ? BackendAnswers.Cart((1, "Trail Running Shoes", 89.90m, 1))
            : BackendAnswers.Cart((1, "Trail Running Shoes", 89.90m, 1), (2, "Trail Map Set", 14.50m, 2)));
    }
}
