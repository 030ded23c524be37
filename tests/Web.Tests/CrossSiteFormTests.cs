using System.Net;
using AspireAuth.Web.Tests.Harness;

namespace AspireAuth.Web.Tests;

/// <summary>
/// A page on another site can post a form to the storefront, and the browser sends the shopper's cookies
/// along (CSRF). It cannot read the storefront's anti-forgery token, so every form that changes something
/// refuses a post without it, and nothing reaches a backend.
/// </summary>
public sealed class CrossSiteFormTests
{
    /// <summary>Every form that changes something, with the fields it takes.</summary>
    private static readonly (string Target, string Form)[] StateChangingForms =
    [
        ("/?handler=Add", "productId=1&quantity=1"),
        ("/Cart?handler=Update", "productId=1&quantity=5"),
        ("/Cart?handler=Remove", "productId=1"),
        ("/SignOut", ""),
        ("/ForgetMe", ""),
        ("/SignUp", "name=Mallory&email=mallory%40example.com&password=correct-horse-battery"),
        ("/SignIn", "email=victim%40example.com&password=correct-horse-battery"),
    ];

    [Fact]
    public async Task A_cookie_carrying_form_post_from_another_site_is_refused_and_reaches_no_backend()
    {
        await using var backend = await StubBackend.StartAsync(app =>
        {
            app.MapGet("/api/catalog", () => BackendAnswers.Catalog);
            app.MapGet("/api/auth/get-session", () => BackendAnswers.Session("guest", "Anonymous", isAnonymous: true));
            app.MapGet("/api/cart", () => BackendAnswers.Cart((1, "Trail Running Shoes", 89.90m, 1)));
        });
        await using var storefront = Storefront.Over(backend);
        using var browser = storefront.CreateBrowser();

        foreach (var (target, form) in StateChangingForms)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(target, UriKind.Relative))
            {
                Content = new StringContent(form, System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"),
            };
            request.Headers.Add("Cookie", StubBackend.GuestCookie);
            request.Headers.Add("Origin", "http://evil.example");
            request.Headers.Add("Sec-Fetch-Site", "cross-site");

            using var response = await browser.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();

            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{target}: {(int)response.StatusCode}");
            Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
            Assert.DoesNotContain("System.", body, StringComparison.Ordinal);
        }

        Assert.All(backend.Requests, recorded => Assert.Equal("GET", recorded.Method));
    }
}
