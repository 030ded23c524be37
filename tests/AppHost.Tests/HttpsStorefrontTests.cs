using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AspireAuth.Web.Tests.Harness;
using Microsoft.Extensions.DependencyInjection;

namespace AspireAuth.AppHost.Tests;

/// <summary>The whole app under the https launch profile, served with the ASP.NET Core development certificate.</summary>
public sealed class HttpsAppFixture() : AspireAppFixture("--DOTNET_LAUNCH_PROFILE=https")
{
    /// <summary>The development certificate(s) Web may serve; the only ones the tests' clients trust.</summary>
    public IReadOnlySet<string> CertificateThumbprints { get; private set; } = new HashSet<string>();

    public override async Task InitializeAsync()
    {
        // Before the app starts: Kestrel loads the certificate when it binds Web's https endpoint.
        CertificateThumbprints = await DevelopmentCertificate.EnsureAsync();
        await base.InitializeAsync();
    }

    protected override void ConfigureApp(IDistributedApplicationTestingBuilder builder) =>
        // The AppHost's own clients (Web's https health check) trust the development certificate as a machine that trusts it does.
        builder.Services.ConfigureHttpClientDefaults(http => http.ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = DevelopmentCertificate.AcceptingOnly(CertificateThumbprints) },
        }));
}

[CollectionDefinition(Name)]
public sealed class HttpsAppCollection : ICollectionFixture<HttpsAppFixture>
{
    public const string Name = "HttpsApp";
}

/// <summary>
/// Under https a browser gets Better Auth's secure session cookie (<c>__Secure-</c>, <c>Secure</c>) from the storefront,
/// because Auth.Api's BaseUrl is Web's https endpoint, and the guest's cart follows them into their account.
/// </summary>
[Collection(HttpsAppCollection.Name)]
public sealed class HttpsStorefrontTests(HttpsAppFixture fixture)
{
    private static readonly string[] SessionCookieAttributes = ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"];

    [Fact]
    public async Task A_guest_signs_up_over_https_with_secure_session_cookies_and_keeps_the_cart()
    {
        var store = fixture.App.GetEndpoint("web", "https");
        Assert.Equal(Uri.UriSchemeHttps, store.Scheme);
        var cookies = new CookieContainer();
        using var browser = new HttpClient(DevelopmentCertificate.TrustingOnly(fixture.CertificateThumbprints, cookies)) { BaseAddress = store };

        using var catalog = await browser.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, catalog.StatusCode);

        // The storefront's JavaScript client signs in at Web's /api/auth (backend-for-frontend), as a browser sends it.
        using var signIn = new HttpRequestMessage(HttpMethod.Post, "/api/auth/sign-in/anonymous");
        signIn.Headers.Add("Origin", store.GetLeftPart(UriPartial.Authority));
        using var guest = await browser.SendAsync(signIn);
        Assert.True(guest.IsSuccessStatusCode, $"guest sign-in: {(int)guest.StatusCode} {await guest.Content.ReadAsStringAsync()}");
        AssertOnlySecureSessionCookie(guest);

        using var added = await browser.SubmitFormAsync("/", new Dictionary<string, string> { ["productId"] = "3", ["quantity"] = "2" }, handler: "Add");
        Assert.Contains("Added 2 ×", await browser.FollowAsync(added), StringComparison.Ordinal);

        var email = $"https+{Guid.NewGuid():N}@example.com";
        using var signedUp = await browser.SubmitFormAsync("/SignUp", new Dictionary<string, string>
        {
            ["Name"] = "Ada",
            ["Email"] = email,
            ["Password"] = "correct horse battery",
        });
        Assert.True(signedUp.StatusCode == HttpStatusCode.Redirect, $"sign-up: {(int)signedUp.StatusCode} {await signedUp.Content.ReadAsStringAsync()}");
        AssertOnlySecureSessionCookie(signedUp);
        Assert.Null(cookies.GetCookies(store)["better-auth.session_token"]);

        var session = await browser.GetFromJsonAsync<JsonElement>(new Uri("/api/auth/get-session", UriKind.Relative));
        Assert.Equal(JsonValueKind.Object, session.ValueKind);
        Assert.Equal(email, session.GetProperty("user").GetProperty("email").GetString());
        Assert.False(session.GetProperty("user").GetProperty("isAnonymous").GetBoolean());

        using var cart = fixture.App.CreateHttpClient("cart-api");
        var token = session.GetProperty("session").GetProperty("token").GetString()!;
        var lines = await ShopperFlows.WaitForCartAsync(cart, token, lines => lines.Count > 0, TimeSpan.FromSeconds(5));
        Assert.Equal([(3, 2)], lines);
    }

    /// <summary>Auth.Api's session cookie, relayed by Web, is the secure one only, with a browser's protections.</summary>
    private static void AssertOnlySecureSessionCookie(HttpResponseMessage response)
    {
        var setCookies = response.Headers.TryGetValues("Set-Cookie", out var values) ? values.ToList() : [];
        Assert.DoesNotContain(setCookies, cookie => cookie.StartsWith("better-auth.", StringComparison.Ordinal));

        var session = Assert.Single(setCookies, cookie => cookie.StartsWith("__Secure-better-auth.session_token=", StringComparison.Ordinal));
        var attributes = session.Split(';', StringSplitOptions.TrimEntries).Skip(1).ToHashSet(StringComparer.OrdinalIgnoreCase);
        Assert.All(SessionCookieAttributes, attribute => Assert.Contains(attribute, attributes));
    }
}
