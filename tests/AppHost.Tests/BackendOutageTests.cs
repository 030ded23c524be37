using System.Net;
using System.Text.Json;
using AspireAuth.Web.Tests.Harness;

namespace AspireAuth.AppHost.Tests;

/// <summary>
/// A backend stopped through the AppHost, as from the dashboard: its address is then DCP's proxy, which accepts
/// connections and answers nothing. Every storefront page still answers within 3 s, says what is down, keeps working
/// where it can, and recovers by itself when the backend is started again. Each test starts what it stopped.
/// </summary>
[Collection(AspireAppCollection.Name)]
public sealed class BackendOutageTests(AspireAppFixture fixture)
{
    private static readonly TimeSpan PageBudget = TimeSpan.FromSeconds(3);

    private static readonly TimeSpan RestartTimeout = TimeSpan.FromMinutes(2);

    private const string CartOutage = "The catalog and carts are unavailable right now.";

    private const string AuthOutage = "Signing in and guest sessions are unavailable right now.";

    private Uri Storefront => fixture.App.GetEndpoint("web", "http");

    [Fact]
    public async Task With_cart_api_stopped_pages_say_so_within_3_s_sign_up_sign_in_and_account_work_and_all_recovers()
    {
        var email = $"outage+{Guid.NewGuid():N}@example.com";
        using var shopper = Browser();

        await fixture.App.StopResourceAsync("cart-api", RestartTimeout);
        try
        {
            var catalog = await VisitAsync(shopper, "/");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, catalog.Status);
            Assert.Contains(CartOutage, catalog.Html, StringComparison.Ordinal);

            Assert.Equal(HttpStatusCode.OK, (await VisitAsync(shopper, "/SignUp")).Status);
            var signedUp = await WithinBudgetAsync(() => shopper.SubmitFormAsync("/SignUp", new Dictionary<string, string>
            {
                ["Name"] = "Outage Olly",
                ["Email"] = email,
                ["Password"] = "correct horse battery",
            }));
            Assert.Equal(HttpStatusCode.Redirect, signedUp.StatusCode);

            var account = await VisitAsync(shopper, "/Account");
            Assert.Equal(HttpStatusCode.OK, account.Status);
            Assert.Contains("Outage Olly", account.Html, StringComparison.Ordinal);
            Assert.DoesNotContain("class=\"cart-count\"", account.Html, StringComparison.Ordinal);

            var cart = await VisitAsync(shopper, "/Cart");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, cart.Status);
            Assert.Contains(CartOutage, cart.Html, StringComparison.Ordinal);

            using var returning = Browser();
            Assert.Equal(HttpStatusCode.OK, (await VisitAsync(returning, "/SignIn")).Status);
            var signedIn = await WithinBudgetAsync(() => returning.SubmitFormAsync("/SignIn", new Dictionary<string, string>
            {
                ["Email"] = email,
                ["Password"] = "correct horse battery",
            }));
            Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
            Assert.Contains("Outage Olly", (await VisitAsync(returning, "/Account")).Html, StringComparison.Ordinal);
        }
        finally
        {
            await fixture.App.StartResourceAsync("cart-api", RestartTimeout);
        }

        // Recovery is timed by Eventually alone: a just-started service's first answers may be slow, which is no outage.
        await Eventually.HoldsAsync(async () =>
        {
            var page = await GetAsync(shopper, "/Cart");
            return page.Status == HttpStatusCode.OK && page.Html.Contains("class=\"cart-count\"", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task With_auth_api_stopped_the_auth_proxy_answers_503_JSON_and_pages_say_so_within_3_s_and_all_recovers()
    {
        using var guest = Browser();
        using (var signedIn = await guest.PostAsync(new Uri("/api/auth/sign-in/anonymous", UriKind.Relative), JsonBody("{}")))
        {
            Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
        }

        await fixture.App.StopResourceAsync("auth-api", RestartTimeout);
        try
        {
            using var session = await WithinBudgetAsync(() => guest.GetAsync(new Uri("/api/auth/get-session", UriKind.Relative)));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, session.StatusCode);
            Assert.Equal("application/json", session.Content.Headers.ContentType?.MediaType);
            using var error = JsonDocument.Parse(await session.Content.ReadAsStringAsync());
            Assert.Equal("SERVICE_UNAVAILABLE", error.RootElement.GetProperty("code").GetString());
            Assert.False(string.IsNullOrWhiteSpace(error.RootElement.GetProperty("message").GetString()));

            foreach (var page in new[] { "/", "/Cart", "/SignIn" })
            {
                Assert.Contains(AuthOutage, (await VisitAsync(guest, page)).Html, StringComparison.Ordinal);
            }
        }
        finally
        {
            await fixture.App.StartResourceAsync("auth-api", RestartTimeout);
        }

        await Eventually.HoldsAsync(async () =>
        {
            using var session = await guest.GetAsync(new Uri("/api/auth/get-session", UriKind.Relative));
            var page = await GetAsync(guest, "/");
            return session.StatusCode == HttpStatusCode.OK && page.Status == HttpStatusCode.OK && page.Html.Contains("Guest", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(30));
    }

    /// <summary>A browser: its own cookies, redirects not followed, Origin sent as a browser's fetch does.</summary>
    private HttpClient Browser()
    {
        var browser = new HttpClient(new SocketsHttpHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
        {
            BaseAddress = Storefront,
            // Far beyond the budget: a page that hangs fails on the budget's assertion, not here.
            Timeout = TimeSpan.FromSeconds(60),
        };
        browser.DefaultRequestHeaders.Add("Origin", Storefront.GetLeftPart(UriPartial.Authority));
        return browser;
    }

    private static StringContent JsonBody(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    private static Task<(HttpStatusCode Status, string Html)> VisitAsync(HttpClient browser, string page) =>
        WithinBudgetAsync(() => GetAsync(browser, page));

    private static async Task<(HttpStatusCode Status, string Html)> GetAsync(HttpClient browser, string page)
    {
        using var response = await browser.GetAsync(new Uri(page, UriKind.Relative));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static Task<T> WithinBudgetAsync<T>(Func<Task<T>> visit) => TimeBudget.WithinAsync(PageBudget, visit);
}
