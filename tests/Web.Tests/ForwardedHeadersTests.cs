using System.Net;
using AspireAuth.Web.Tests.Harness;

namespace AspireAuth.Web.Tests;

/// <summary>
/// Auth.Api limits per the address Web forwards, so that address must be the browser's: a client's own
/// X-Forwarded-For is believed only from the proxies in ForwardedHeaders:KnownProxies, never by default,
/// and not because ASPNETCORE_FORWARDEDHEADERS_ENABLED is set (Aspire's publish manifest sets it).
/// </summary>
public sealed class ForwardedHeadersTests
{
    private const string Spoofed = "198.51.100.99";

    public static TheoryData<bool> ForwardedHeadersEnabled => [false, true];

    [Theory]
    [MemberData(nameof(ForwardedHeadersEnabled))]
    public async Task A_spoofed_forwarded_for_does_not_reach_auth_api(bool aspNetCoreForwardedHeadersEnabled)
    {
        await using var backend = await StartBackendAsync();
        await using var storefront = new Storefront(backend.Address, backend.Address)
        {
            Settings = new Dictionary<string, string?> { ["ForwardedHeaders_Enabled"] = aspNetCoreForwardedHeadersEnabled ? "true" : "false" },
        };

        var forwarded = await ForwardedToAuthApiAsync(storefront, backend, Spoofed);

        Assert.All(forwarded, address => Assert.Equal(Storefront.BrowserAddress.ToString(), address));
    }

    [Theory]
    [MemberData(nameof(ForwardedHeadersEnabled))]
    public async Task Behind_a_configured_proxy_the_address_it_appended_reaches_auth_api(bool aspNetCoreForwardedHeadersEnabled)
    {
        await using var backend = await StartBackendAsync();
        // The browser's peer is a load balancer named in configuration; it appends the address it saw.
        await using var storefront = new Storefront(backend.Address, backend.Address)
        {
            Settings = new Dictionary<string, string?>
            {
                ["ForwardedHeaders:KnownProxies:0"] = Storefront.BrowserAddress.ToString(),
                ["ForwardedHeaders_Enabled"] = aspNetCoreForwardedHeadersEnabled ? "true" : "false",
            },
        };

        var forwarded = await ForwardedToAuthApiAsync(storefront, backend, $"{Spoofed}, 192.0.2.44");

        Assert.All(forwarded, address => Assert.Equal("192.0.2.44", address));
    }

    private static Task<StubBackend> StartBackendAsync() => StubBackend.StartAsync(app =>
    {
        app.MapGet("/api/catalog", () => BackendAnswers.Catalog);
        app.MapPost("/api/auth/sign-in/anonymous", (HttpContext context) =>
            BackendAnswers.SignedIn(context, StubBackend.GuestCookie, "guest", "Anonymous", isAnonymous: true));
        app.MapGet("/api/auth/get-session", () => BackendAnswers.Session("guest", "Anonymous", isAnonymous: true));
        app.MapPost("/api/cart/items", () => BackendAnswers.Cart((1, "Trail Running Shoes", 89.90m, 1)));
    });

    /// <summary>
    /// A guest sign-in through the /api/auth proxy and one made by a page (add to cart), both with
    /// <paramref name="forwardedFor"/> on the browser's requests: the X-Forwarded-For Auth.Api received for each.
    /// </summary>
    private static async Task<IReadOnlyList<string?>> ForwardedToAuthApiAsync(Storefront storefront, StubBackend backend, string forwardedFor)
    {
        using var browser = storefront.CreateBrowser();
        browser.DefaultRequestHeaders.Add("X-Forwarded-For", forwardedFor);

        using var proxied = await browser.PostAsync(new Uri("/api/auth/sign-in/anonymous", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.OK, proxied.StatusCode);

        using var page = storefront.CreateBrowser();
        page.DefaultRequestHeaders.Add("X-Forwarded-For", forwardedFor);
        using var added = await page.SubmitFormAsync("/", new Dictionary<string, string> { ["productId"] = "1", ["quantity"] = "1" }, handler: "Add");
        Assert.Equal(HttpStatusCode.Redirect, added.StatusCode);

        var signIns = backend.Requests.Where(request => request.PathAndQuery == "/api/auth/sign-in/anonymous").ToList();
        Assert.Equal(2, signIns.Count);
        return [.. signIns.Select(request => request.ForwardedFor)];
    }
}
