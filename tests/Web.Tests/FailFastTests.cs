using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AspireAuth.TestSupport;
using AspireAuth.Web.Tests.Harness;

namespace AspireAuth.Web.Tests;

/// <summary>
/// A backend that is down (accepts connections, answers nothing: DCP's proxy in front of a stopped service) costs a
/// page at most 3 s and the friendly outage message, not the resilience pipeline's 30 s; a backend that is only slow
/// (Argon2id sign-ups queueing) is waited for.
/// </summary>
public sealed class FailFastTests
{
    private static readonly TimeSpan PageBudget = TimeSpan.FromSeconds(3);

    private const string CartOutage = "The catalog and carts are unavailable right now.";

    [Fact]
    public async Task With_cart_api_accepting_and_never_answering_the_catalog_shows_the_outage_within_3_s_and_again_at_once()
    {
        await using var cartApi = new HangingBackend();
        await using var storefront = new Storefront(Storefront.ClosedPort(), cartApi.Address);
        using var browser = storefront.CreateBrowser();

        foreach (var visit in new[] { "first", "second" })
        {
            var started = Stopwatch.GetTimestamp();
            using var response = await browser.GetAsync(new Uri("/", UriKind.Relative));
            var html = await response.Content.ReadAsStringAsync();

            Assert.True(Stopwatch.GetElapsedTime(started) < PageBudget, $"{visit} visit took {Stopwatch.GetElapsedTime(started)}");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Contains(CartOutage, html, StringComparison.Ordinal);
        }

        Assert.True(cartApi.Connections > 0, "the storefront never reached the hanging backend");
    }

    [Fact]
    public async Task With_auth_api_accepting_and_never_answering_the_auth_proxy_answers_503_JSON_within_3_s()
    {
        await using var authApi = new HangingBackend();
        await using var storefront = new Storefront(authApi.Address, Storefront.ClosedPort());
        using var browser = storefront.CreateBrowser();

        var started = Stopwatch.GetTimestamp();
        using var response = await browser.GetAsync(new Uri("/api/auth/get-session", UriKind.Relative));
        var elapsed = Stopwatch.GetElapsedTime(started);

        Assert.True(elapsed < PageBudget, $"took {elapsed}");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("SERVICE_UNAVAILABLE", json.RootElement.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(json.RootElement.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task With_auth_api_accepting_and_never_answering_a_signed_in_visitors_page_says_so_within_3_s()
    {
        await using var authApi = new HangingBackend();
        await using var cartApi = await StubBackend.StartAsync(app => app.MapGet("/api/catalog", () => BackendAnswers.Catalog));
        await using var storefront = new Storefront(authApi.Address, cartApi.Address);
        using var browser = storefront.CreateBrowser();
        browser.DefaultRequestHeaders.Add("Cookie", StubBackend.MemberCookie);

        var started = Stopwatch.GetTimestamp();
        using var response = await browser.GetAsync(new Uri("/", UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();
        var elapsed = Stopwatch.GetElapsedTime(started);

        Assert.True(elapsed < PageBudget, $"took {elapsed}");
        Assert.Contains("Signing in and guest sessions are unavailable right now.", html, StringComparison.Ordinal);
        Assert.Contains("Trail Running Shoes", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_cart_api_down_sign_in_sign_up_and_account_render_and_submit_within_3_s_without_the_cart_badge()
    {
        await using var cartApi = new HangingBackend();
        await using var authApi = await StubBackend.StartAsync(app =>
        {
            app.MapGet("/api/auth/get-session", (HttpContext context) => context.Request.Headers.Cookie.ToString().Contains("member-token", StringComparison.Ordinal)
                ? BackendAnswers.Session("member", "Ada", isAnonymous: false)
                : Results.Json<object?>(null));
            app.MapGet("/api/auth/list-accounts", () => Results.Json(new[]
            {
                new { id = "account-member", providerId = "credential", accountId = "member", userId = "member" },
            }));
            app.MapPost("/api/auth/sign-in/email", (HttpContext context) =>
                BackendAnswers.SignedIn(context, StubBackend.MemberCookie, "member", "Ada", isAnonymous: false));
            app.MapPost("/api/auth/sign-up/email", (HttpContext context) =>
                BackendAnswers.SignedIn(context, StubBackend.MemberCookie, "member", "Ada", isAnonymous: false));
        });
        await using var storefront = new Storefront(authApi.Address, cartApi.Address);

        using (var visitor = storefront.CreateBrowser())
        {
            foreach (var page in new[] { "/SignIn", "/SignUp" })
            {
                var html = await WithinBudgetAsync(async () =>
                {
                    using var response = await visitor.GetAsync(new Uri(page, UriKind.Relative));
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                    return await response.Content.ReadAsStringAsync();
                });
                Assert.Contains("name=\"Password\"", html, StringComparison.Ordinal);
            }

            using var signedUp = await WithinBudgetAsync(() => visitor.SubmitFormAsync("/SignUp", new Dictionary<string, string>
            {
                ["Name"] = "Ada",
                ["Email"] = "ada@example.com",
                ["Password"] = "correct horse battery",
            }));
            Assert.Equal(HttpStatusCode.Redirect, signedUp.StatusCode);
        }

        using (var visitor = storefront.CreateBrowser())
        {
            using var signedIn = await WithinBudgetAsync(() => visitor.SubmitFormAsync("/SignIn", new Dictionary<string, string>
            {
                ["Email"] = "ada@example.com",
                ["Password"] = "correct horse battery",
            }));
            Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        }

        using var member = storefront.CreateBrowser();
        member.DefaultRequestHeaders.Add("Cookie", StubBackend.MemberCookie);
        var account = await WithinBudgetAsync(async () =>
        {
            using var response = await member.GetAsync(new Uri("/Account", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return await response.Content.ReadAsStringAsync();
        });
        Assert.Contains("<span id=\"account-name\">Ada</span>", account, StringComparison.Ordinal);
        Assert.Contains("<strong>Email and password</strong>", account, StringComparison.Ordinal);
        Assert.DoesNotContain("class=\"cart-count\"", account, StringComparison.Ordinal);
        Assert.Contains(CartOutage, account, StringComparison.Ordinal);
        Assert.Single(authApi.Requests, request => request.PathAndQuery == "/api/auth/sign-up/email");
        Assert.Single(authApi.Requests, request => request.PathAndQuery == "/api/auth/sign-in/email");
    }

    [Fact]
    public async Task A_healthy_sign_up_that_takes_5_s_succeeds_through_the_page_and_through_the_proxy_and_is_sent_once()
    {
        // Auth.Api under a burst of sign-ups: each waits for a hashing slot, while /alive answers at once.
        var hashingQueue = TimeSpan.FromSeconds(5);
        await using var authApi = await StubBackend.StartAsync(app =>
        {
            app.MapGet("/alive", () => "Healthy");
            app.MapPost("/api/auth/sign-up/email", async (HttpContext context) =>
            {
                await Task.Delay(hashingQueue, context.RequestAborted);
                return BackendAnswers.SignedIn(context, StubBackend.MemberCookie, "member", "Ada", isAnonymous: false);
            });
        });
        await using var storefront = new Storefront(authApi.Address, Storefront.ClosedPort());
        using var browser = storefront.CreateBrowser();

        using var page = await browser.SubmitFormAsync("/SignUp", new Dictionary<string, string>
        {
            ["Name"] = "Ada",
            ["Email"] = "ada@example.com",
            ["Password"] = "correct horse battery",
        });
        using var proxied = await browser.PostAsync(new Uri("/api/auth/sign-up/email", UriKind.Relative),
            JsonContent.Create(new { name = "Ada", email = "ada@example.com", password = "correct horse battery" }));

        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/", page.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, proxied.StatusCode);
        Assert.Equal(2, authApi.Requests.Count(request => request.PathAndQuery == "/api/auth/sign-up/email"));
        // The slow calls were suspected and the backend asked: it said it is alive, so they were left to finish.
        Assert.Contains(authApi.Requests, request => request.PathAndQuery == "/alive");
    }

    [Fact]
    public async Task A_sign_up_to_a_backend_that_stops_answering_fails_within_3_s_and_is_sent_once()
    {
        await using var authApi = await StubBackend.StartAsync(app =>
        {
            app.Use(async (context, next) =>
            {
                // Down after the form is shown: every request, /alive included, is held unanswered.
                if (context.Request.Method == HttpMethods.Post || context.Request.Path == "/alive")
                {
                    await Task.Delay(Timeout.Infinite, context.RequestAborted);
                }

                await next(context);
            });
        });
        await using var storefront = new Storefront(authApi.Address, Storefront.ClosedPort());
        using var browser = storefront.CreateBrowser();

        using var response = await WithinBudgetAsync(() => browser.SubmitFormAsync("/SignUp", new Dictionary<string, string>
        {
            ["Name"] = "Ada",
            ["Email"] = "ada@example.com",
            ["Password"] = "correct horse battery",
        }));
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("Signing in and guest sessions are unavailable right now.", html, StringComparison.Ordinal);
        Assert.Contains("value=\"ada@example.com\"", html, StringComparison.Ordinal);
        Assert.Single(authApi.Requests, request => request.PathAndQuery == "/api/auth/sign-up/email");
    }

    [Fact]
    public async Task The_storefront_recovers_by_itself_when_a_hanging_backend_answers_again()
    {
        var hanging = true;
        await using var cartApi = await StubBackend.StartAsync(app =>
        {
            app.Use(async (context, next) =>
            {
                if (Volatile.Read(ref hanging))
                {
                    // Holds the request, answering nothing, until the storefront gives up on it.
                    await Task.Delay(Timeout.Infinite, context.RequestAborted);
                }

                await next(context);
            });
            app.MapGet("/api/catalog", () => BackendAnswers.Catalog);
        });
        await using var storefront = new Storefront(Storefront.ClosedPort(), cartApi.Address);
        using var browser = storefront.CreateBrowser();
        using (var down = await WithinBudgetAsync(() => browser.GetAsync(new Uri("/", UriKind.Relative))))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        }

        Volatile.Write(ref hanging, false);

        await Eventually.HoldsAsync(async () =>
        {
            using var response = await WithinBudgetAsync(() => browser.GetAsync(new Uri("/", UriKind.Relative)));
            var html = await response.Content.ReadAsStringAsync();
            return response.StatusCode == HttpStatusCode.OK && html.Contains("Trail Running Shoes", StringComparison.Ordinal)
                && !html.Contains(CartOutage, StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(10));
    }

    private static Task<T> WithinBudgetAsync<T>(Func<Task<T>> visit) => TimeBudget.WithinAsync(PageBudget, visit);
}
