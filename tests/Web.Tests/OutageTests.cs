using System.Net;
using AspireAuth.Web.Tests.Harness;

namespace AspireAuth.Web.Tests;

/// <summary>A backend that is down shows a clear banner: never an error page, never a stack trace.</summary>
public sealed class OutageTests
{
    private const string Banner = "We're having trouble.";

    [Fact]
    public async Task Catalog_with_every_backend_down_shows_the_banner()
    {
        await using var storefront = Storefront.WithBackendsDown();
        using var browser = storefront.CreateBrowser();

        using var response = await browser.GetAsync(new Uri("/", UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
        Assert.Contains(Banner, html, StringComparison.Ordinal);
        Assert.Contains("The catalog and carts are unavailable right now.", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("POST", "/api/auth/sign-in/anonymous")]
    [InlineData("GET", "/api/auth/get-session")]
    public async Task The_auth_proxy_with_auth_api_down_answers_503_JSON_with_Retry_After(string method, string path)
    {
        await using var storefront = Storefront.WithBackendsDown();
        using var browser = storefront.CreateBrowser();

        using var response = await browser.SendAsync(new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative)));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = System.Text.Json.JsonDocument.Parse(body);
        Assert.Equal("SERVICE_UNAVAILABLE", json.RootElement.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(json.RootElement.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task Signing_in_while_auth_api_is_down_keeps_the_form_and_shows_the_banner()
    {
        await using var storefront = Storefront.WithBackendsDown();
        using var browser = storefront.CreateBrowser();

        using var response = await browser.SubmitFormAsync("/SignIn", new Dictionary<string, string>
        {
            ["Email"] = "ada@example.com",
            ["Password"] = "correct horse battery",
        });
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("Signing in and guest sessions are unavailable right now.", html, StringComparison.Ordinal);
        Assert.Contains("value=\"ada@example.com\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Adding_to_the_cart_while_auth_api_is_down_shows_the_banner()
    {
        await using var cartApi = await StubBackend.StartAsync(app => app.MapGet("/api/catalog", () => BackendAnswers.Catalog));
        await using var storefront = new Storefront(Storefront.ClosedPort(), cartApi.Address);
        using var browser = storefront.CreateBrowser();

        using var response = await browser.SubmitFormAsync("/", new Dictionary<string, string> { ["productId"] = "1", ["quantity"] = "1" }, handler: "Add");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("Signing in and guest sessions are unavailable right now.", html, StringComparison.Ordinal);
        Assert.Contains("Trail Running Shoes", html, StringComparison.Ordinal);
        Assert.DoesNotContain(cartApi.Requests, request => request.PathAndQuery.StartsWith("/api/cart", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cart_page_of_a_signed_in_visitor_with_cart_api_down_shows_the_banner()
    {
        await using var authApi = await StubBackend.StartAsync(app =>
            app.MapGet("/api/auth/get-session", () => BackendAnswers.Session("member", "Ada", isAnonymous: false)));
        await using var storefront = new Storefront(authApi.Address, Storefront.ClosedPort());
        using var browser = storefront.CreateBrowser();
        browser.DefaultRequestHeaders.Add("Cookie", StubBackend.MemberCookie);

        using var response = await browser.GetAsync(new Uri("/Cart", UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("The catalog and carts are unavailable right now.", html, StringComparison.Ordinal);
        Assert.Contains("Ada", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Your cart is empty", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_backend_answering_500_counts_as_down()
    {
        await using var cartApi = await StubBackend.StartAsync(app =>
            app.MapGet("/api/catalog", () => Results.Problem("boom", statusCode: 500)));
        await using var storefront = Storefront.Over(cartApi);
        using var browser = storefront.CreateBrowser();

        using var response = await browser.GetAsync(new Uri("/", UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains(Banner, html, StringComparison.Ordinal);
        Assert.DoesNotContain("boom", html, StringComparison.Ordinal);
    }
}
