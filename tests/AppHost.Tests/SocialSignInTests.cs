using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;

namespace AspireAuth.AppHost.Tests;

/// <summary>
/// "Continue with Trailhead ID" as the AppHost runs it: the storefront, Auth.Api, the real development identity provider
/// and the cart, driven over HTTP the way a browser does (cookies kept per browser, redirects followed hop by hop, the
/// provider's login form posted).
/// </summary>
[Collection(AspireAppCollection.Name)]
public sealed partial class SocialSignInTests(AspireAppFixture fixture)
{
    private const string Password = "trailhead-dev-password";

    private Uri Storefront => fixture.App.GetEndpoint("web", "http");

    [Fact]
    public async Task A_guest_with_a_cart_signs_in_with_Trailhead_ID_and_the_cart_is_theirs()
    {
        using var browser = new Browser(Storefront);
        var guest = await browser.SignInAnonymouslyAsync();
        using var cart = fixture.App.CreateHttpClient("cart-api");
        await ShopperFlows.AddToCartAsync(cart, guest, 3, 2);

        var start = await browser.StartSocialSignInAsync(callbackUrl: "/Cart");
        var landing = await browser.CompleteAtTrailheadAsync(start, "ranger@trailhead.test");

        Assert.Equal("/Cart", landing.OriginalString);
        var session = await browser.GetSessionAsync();
        Assert.Equal("ranger@trailhead.test", session.GetProperty("user").GetProperty("email").GetString());
        Assert.False(session.GetProperty("user").GetProperty("isAnonymous").GetBoolean());
        var customer = session.GetProperty("session").GetProperty("token").GetString()!;
        Assert.Equal([(3, 2)], await ShopperFlows.WaitForCartAsync(cart, customer, lines => lines.Count == 1, TimeSpan.FromSeconds(5)));
        Assert.False(await AuthenticatesAsync(guest));
    }

    [Fact]
    public async Task A_guest_known_only_by_its_bearer_token_is_linked_although_the_callback_does_not_carry_it()
    {
        // An SPA or app keeps the guest's token itself: the browser that goes to the provider has no guest cookie.
        using var api = new Browser(Storefront);
        var guest = await api.SignInAnonymouslyAsync();
        using var cart = fixture.App.CreateHttpClient("cart-api");
        await ShopperFlows.AddToCartAsync(cart, guest, 7, 1);
        using var browser = new Browser(Storefront);

        var start = await browser.StartSocialSignInAsync(callbackUrl: "/", bearer: guest);
        await browser.CompleteAtTrailheadAsync(start, "cyclist@trailhead.test");

        var customer = (await browser.GetSessionAsync()).GetProperty("session").GetProperty("token").GetString()!;
        Assert.Equal([(7, 1)], await ShopperFlows.WaitForCartAsync(cart, customer, lines => lines.Count == 1, TimeSpan.FromSeconds(5)));
        Assert.False(await AuthenticatesAsync(guest));
    }

    [Fact]
    public async Task A_callback_completed_in_another_browser_signs_nobody_in_and_links_nothing()
    {
        using var victim = new Browser(Storefront);
        var guest = await victim.SignInAnonymouslyAsync();
        var start = await victim.StartSocialSignInAsync(callbackUrl: "/", errorCallbackUrl: "/SignIn");

        // The authorization URL (or the callback it leads to) is completed in a browser without the state cookie.
        using var attacker = new Browser(Storefront);
        var landing = await attacker.CompleteAtTrailheadAsync(start, "skier@trailhead.test");

        Assert.Contains("error=state_mismatch", landing.ToString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, (await attacker.GetSessionAsync()).ValueKind);
        Assert.True(await AuthenticatesAsync(guest));
        Assert.Equal(0L, await CountAsync("""SELECT count(*) FROM "user" WHERE email = 'skier@trailhead.test'"""));
    }

    [Fact]
    public async Task An_identity_already_linked_signs_in_to_the_same_user()
    {
        using var first = new Browser(Storefront);
        await first.CompleteAtTrailheadAsync(await first.StartSocialSignInAsync(callbackUrl: "/"), "walker@trailhead.test");
        var firstUser = (await first.GetSessionAsync()).GetProperty("user").GetProperty("id").GetString();

        using var second = new Browser(Storefront);
        var guest = await second.SignInAnonymouslyAsync();
        await second.CompleteAtTrailheadAsync(await second.StartSocialSignInAsync(callbackUrl: "/"), "walker@trailhead.test");

        Assert.Equal(firstUser, (await second.GetSessionAsync()).GetProperty("user").GetProperty("id").GetString());
        Assert.False(await AuthenticatesAsync(guest));
        Assert.Equal(1L, await CountAsync("""SELECT count(*) FROM account WHERE "providerId" = 'trailhead' AND "userId" = @p""", firstUser));
    }

    [Fact]
    public async Task A_password_account_with_the_same_email_is_not_linked_automatically()
    {
        using var owner = new Browser(Storefront);
        await owner.SignUpAsync("paddler@trailhead.test");
        using var browser = new Browser(Storefront);
        var guest = await browser.SignInAnonymouslyAsync();

        var landing = await browser.CompleteAtTrailheadAsync(
            await browser.StartSocialSignInAsync(callbackUrl: "/", errorCallbackUrl: "/SignIn"), "paddler@trailhead.test");

        Assert.Equal("/SignIn?error=account_not_linked", landing.OriginalString);
        var session = await browser.GetSessionAsync();
        Assert.True(session.GetProperty("user").GetProperty("isAnonymous").GetBoolean(), "the browser is still the guest");
        Assert.True(await AuthenticatesAsync(guest));
        Assert.Equal(0L, await CountAsync("""SELECT count(*) FROM account WHERE "providerId" = 'trailhead' AND "accountId" IN (SELECT "accountId" FROM account a JOIN "user" u ON u.id = a."userId" WHERE u.email = 'paddler@trailhead.test')"""));
    }

    [Fact]
    public async Task Better_Auths_javascript_client_gets_the_Trailhead_ID_authorization_url()
    {
        var (exitCode, output) = await NodeScript.RunAsync("social-sign-in.mjs", Storefront);

        Assert.True(exitCode == 0, $"social-sign-in.mjs exited with {exitCode}:\n{output}");
        var result = JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement;
        var url = new Uri(result.GetProperty("url").GetString()!);
        Assert.Equal(new Uri(fixture.App.GetEndpoint("identity-provider", "http"), "connect/authorize"), new Uri(url.GetLeftPart(UriPartial.Path)));
        Assert.Contains("code_challenge_method=S256", url.Query, StringComparison.Ordinal);
        Assert.Contains($"redirect_uri={Uri.EscapeDataString(new Uri(Storefront, "/api/auth/callback/trailhead").ToString())}", url.Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_the_identity_provider_down_a_pending_sign_in_fails_clearly_and_email_sign_in_still_links_the_guest()
    {
        using var browser = new Browser(Storefront);
        var guest = await browser.SignInAnonymouslyAsync();
        using var cart = fixture.App.CreateHttpClient("cart-api");
        await ShopperFlows.AddToCartAsync(cart, guest, 2, 1);
        var start = await browser.StartSocialSignInAsync(callbackUrl: "/", errorCallbackUrl: "/SignIn");
        var callback = await browser.CompleteAtTrailheadAsync(start, "climber@trailhead.test", stopAtCallback: true);

        await fixture.App.StopResourceAsync("identity-provider", TimeSpan.FromMinutes(1));
        try
        {
            // The code cannot be redeemed: the shopper lands on the sign-in page with an error, still the guest.
            var landing = await browser.FollowCallbackAsync(callback);
            Assert.StartsWith("/SignIn?error=", landing.OriginalString, StringComparison.Ordinal);
            Assert.True((await browser.GetSessionAsync()).GetProperty("user").GetProperty("isAnonymous").GetBoolean());

            var customer = await browser.SignUpAsync($"down+{Guid.NewGuid():N}@example.com");
            Assert.Equal([(2, 1)], await ShopperFlows.WaitForCartAsync(cart, customer, lines => lines.Count == 1, TimeSpan.FromSeconds(5)));
        }
        finally
        {
            await fixture.App.StartResourceAsync("identity-provider", TimeSpan.FromMinutes(1));
        }
    }

    private async Task<bool> AuthenticatesAsync(string token)
    {
        using var auth = fixture.App.CreateHttpClient("auth-api");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/auth/get-session");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await auth.SendAsync(request);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).ValueKind == JsonValueKind.Object;
    }

    private async Task<long> CountAsync(string sql, string? parameter = null)
    {
        await using var db = new NpgsqlConnection(await fixture.App.GetConnectionStringAsync("authdb"));
        await db.OpenAsync();
        await using var command = new NpgsqlCommand(sql, db);
        if (parameter is not null)
        {
            command.Parameters.AddWithValue("p", parameter);
        }

        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>One browser: its own cookies (per host, as browsers keep them), redirects followed by hand so each hop is visible.</summary>
    private sealed partial class Browser(Uri storefront) : IDisposable
    {
        private readonly HttpClient _http = new(new SocketsHttpHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
        {
            BaseAddress = storefront,
        };

        public void Dispose() => _http.Dispose();

        public async Task<HttpResponseMessage> PostJsonAsync(string path, object body, string? bearer = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
            request.Headers.Add("Origin", storefront.GetLeftPart(UriPartial.Authority));
            if (bearer is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            }

            return await _http.SendAsync(request);
        }

        public async Task<string> SignInAnonymouslyAsync()
        {
            using var response = await PostJsonAsync("/api/auth/sign-in/anonymous", new { });
            response.EnsureSuccessStatusCode();
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        }

        public async Task<string> SignUpAsync(string email)
        {
            using var response = await PostJsonAsync("/api/auth/sign-up/email", new { name = "Pat", email, password = "correct-horse-battery" });
            Assert.True(response.IsSuccessStatusCode, $"sign-up: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        }

        public async Task<JsonElement> GetSessionAsync() => await _http.GetFromJsonAsync<JsonElement>("/api/auth/get-session");

        /// <summary>Better Auth's <c>/sign-in/social</c>: the provider URL to go to (its state cookie now in this browser).</summary>
        public async Task<Uri> StartSocialSignInAsync(string callbackUrl, string? errorCallbackUrl = null, string? bearer = null)
        {
            using var response = await PostJsonAsync("/api/auth/sign-in/social",
                new { provider = "trailhead", callbackURL = callbackUrl, errorCallbackURL = errorCallbackUrl }, bearer);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"sign-in/social: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(body.GetProperty("redirect").GetBoolean());
            return new Uri(body.GetProperty("url").GetString()!);
        }

        /// <summary>At Trailhead ID: follows the authorization request to its login page, signs in, and follows every redirect
        /// back until the storefront's callback has answered; returns where the callback sent the browser.</summary>
        public async Task<Uri> CompleteAtTrailheadAsync(Uri authorize, string email, bool stopAtCallback = false)
        {
            var next = authorize;
            HttpContent? post = null;
            for (var hops = 0; hops < 10; hops++)
            {
                using var response = post is null ? await _http.GetAsync(next) : await _http.PostAsync(next, post);
                post = null;
                var requested = response.RequestMessage!.RequestUri!;
                if (response.StatusCode == HttpStatusCode.OK && requested.AbsolutePath.Contains("login", StringComparison.OrdinalIgnoreCase))
                {
                    post = new FormUrlEncodedContent(LoginFields(await response.Content.ReadAsStringAsync(), email));
                    continue;
                }

                var location = response.Headers.Location;
                Assert.True(location is not null, $"expected a redirect from {requested}, got {(int)response.StatusCode}:\n{await response.Content.ReadAsStringAsync()}");
                if (requested.AbsolutePath.StartsWith("/api/auth/callback/", StringComparison.Ordinal))
                {
                    return location;
                }

                next = location.IsAbsoluteUri ? location : new Uri(requested, location);
                if (stopAtCallback && next.AbsolutePath.StartsWith("/api/auth/callback/", StringComparison.Ordinal))
                {
                    return next;
                }
            }

            throw new InvalidOperationException("The sign-in did not come back to the storefront within 10 redirects.");
        }

        /// <summary>Sends the browser to the storefront's callback the provider redirected it to; returns where the callback sent it.</summary>
        public async Task<Uri> FollowCallbackAsync(Uri callback)
        {
            using var response = await _http.GetAsync(callback);
            Assert.True(response.Headers.Location is not null, $"the callback answered {(int)response.StatusCode}:\n{await response.Content.ReadAsStringAsync()}");
            return response.Headers.Location;
        }

        /// <summary>The login form's fields: every input it carries (return URL, anti-forgery token), with the ones labelled Email and Password filled in.</summary>
        private static Dictionary<string, string> LoginFields(string html, string email)
        {
            var fields = Input().Matches(html).ToDictionary(m => Attribute(m.Value, "name")!, m => Attribute(m.Value, "value") ?? "");
            foreach (Match label in Label().Matches(html))
            {
                var input = Input().Matches(html).First(m => Attribute(m.Value, "id") == label.Groups["for"].Value);
                fields[Attribute(input.Value, "name")!] = label.Groups["text"].Value.Trim() switch
                {
                    "Email" => email,
                    "Password" => Password,
                    _ => fields[Attribute(input.Value, "name")!],
                };
            }

            return fields;
        }

        private static string? Attribute(string tag, string name)
        {
            var match = Regex.Match(tag, $"""\s{name}="([^"]*)" """.Trim(), RegexOptions.CultureInvariant);
            return match.Success ? WebUtility.HtmlDecode(match.Groups[1].Value) : null;
        }

        [GeneratedRegex("""<input\b[^>]*\bname="[^"]+"[^>]*>""", RegexOptions.CultureInvariant)]
        private static partial Regex Input();

        [GeneratedRegex("""<label\b[^>]*\bfor="(?<for>[^"]+)"[^>]*>(?<text>[^<]*)</label>""", RegexOptions.CultureInvariant)]
        private static partial Regex Label();
    }
}
