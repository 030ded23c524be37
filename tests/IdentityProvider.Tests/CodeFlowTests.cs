using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AspireAuth.IdentityProvider.Tests;

/// <summary>
/// What a relying party (Auth.Api) and a browser go through with Trailhead ID, over HTTP, hop by hop:
/// authorize → login page → authorize again → code → token (PKCE) → id_token and userinfo.
/// </summary>
public sealed partial class CodeFlowTests(Trailhead trailhead) : IClassFixture<Trailhead>
{
    [Fact]
    public async Task Discovery_lists_the_endpoints_the_code_flow_S256_and_the_response_modes()
    {
        using var client = trailhead.Browser();

        using var discovery = JsonDocument.Parse(await client.GetStringAsync(new Uri("/.well-known/openid-configuration", UriKind.Relative)));
        var metadata = discovery.RootElement;

        Assert.Equal("http://localhost/", metadata.GetProperty("issuer").GetString());
        Assert.Equal("http://localhost/connect/authorize", metadata.GetProperty("authorization_endpoint").GetString());
        Assert.Equal("http://localhost/connect/token", metadata.GetProperty("token_endpoint").GetString());
        Assert.Equal("http://localhost/connect/userinfo", metadata.GetProperty("userinfo_endpoint").GetString());
        Assert.StartsWith("http://localhost/", metadata.GetProperty("jwks_uri").GetString(), StringComparison.Ordinal);
        Assert.Equal(["authorization_code"], Strings(metadata, "grant_types_supported"));
        Assert.Equal(["code"], Strings(metadata, "response_types_supported"));
        Assert.Equal(["S256"], Strings(metadata, "code_challenge_methods_supported"));
        Assert.Superset(new HashSet<string> { "query", "form_post" }, Strings(metadata, "response_modes_supported").ToHashSet());
        Assert.Superset(new HashSet<string> { "openid", "email", "profile" }, Strings(metadata, "scopes_supported").ToHashSet());
        Assert.Equal(["client_secret_basic", "client_secret_post"], Strings(metadata, "token_endpoint_auth_methods_supported").Order());
        Assert.Superset(new HashSet<string> { "sub", "email", "email_verified", "name" }, Strings(metadata, "claims_supported").ToHashSet());

        var jwks = await client.GetStringAsync(new Uri(metadata.GetProperty("jwks_uri").GetString()!));
        Assert.NotEmpty(new JsonWebKeySet(jwks).GetSigningKeys());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_code_flow_with_PKCE_signs_the_hiker_in_with_a_signed_id_token_and_userinfo(bool secretInBody)
    {
        using var browser = trailhead.Browser();
        var pkce = Pkce.Create();

        using var toLogin = await browser.GetAsync(new Uri(Trailhead.AuthorizePath(pkce), UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, toLogin.StatusCode);
        var loginPage = toLogin.Headers.Location!;
        Assert.Equal("/login", loginPage.IsAbsoluteUri ? loginPage.AbsolutePath : loginPage.OriginalString.Split('?')[0]);

        var html = await browser.GetStringAsync(loginPage);
        Assert.Contains("<h1>Sign in to Trailhead ID</h1>", html, StringComparison.Ordinal);
        Assert.Matches("""<label for="Email">Email</label>""", html);
        Assert.Matches("""<label for="Password">Password</label>""", html);
        Assert.Matches("""<button type="submit">Sign in</button>""", html);
        Assert.Contains("__RequestVerificationToken", html, StringComparison.Ordinal);

        var redirect = await SignInAsync(browser, loginPage, "hiker@trailhead.test", Trailhead.Password);
        var callback = await AuthorizeAfterLoginAsync(browser, redirect);

        Assert.Equal("state-1", callback["state"]);
        using var token = await Trailhead.RedeemAsync(browser, callback["code"]!, pkce.Verifier, secretInBody);
        Assert.Equal(HttpStatusCode.OK, token.StatusCode);
        using var tokens = JsonDocument.Parse(await token.Content.ReadAsStringAsync());
        var idToken = tokens.RootElement.GetProperty("id_token").GetString()!;
        var accessToken = tokens.RootElement.GetProperty("access_token").GetString()!;

        var claims = Trailhead.Payload(idToken);
        Assert.Equal("trailhead-hiker", claims.GetProperty("sub").GetString());
        Assert.Equal("hiker@trailhead.test", claims.GetProperty("email").GetString());
        Assert.Equal(JsonValueKind.True, claims.GetProperty("email_verified").ValueKind);
        Assert.Equal("Hiker", claims.GetProperty("name").GetString());
        Assert.Equal("nonce-1", claims.GetProperty("nonce").GetString());
        Assert.Equal(Trailhead.ClientId, claims.GetProperty("aud").GetString());
        Assert.Equal("http://localhost/", claims.GetProperty("iss").GetString());
        await AssertSignedByTrailheadAsync(browser, idToken);

        using var userInfoRequest = new HttpRequestMessage(HttpMethod.Get, new Uri("/connect/userinfo", UriKind.Relative));
        userInfoRequest.Headers.Authorization = new("Bearer", accessToken);
        using var userInfo = await browser.SendAsync(userInfoRequest);
        Assert.Equal(HttpStatusCode.OK, userInfo.StatusCode);
        using var profile = JsonDocument.Parse(await userInfo.Content.ReadAsStringAsync());
        Assert.Equal("trailhead-hiker", profile.RootElement.GetProperty("sub").GetString());
        Assert.Equal("hiker@trailhead.test", profile.RootElement.GetProperty("email").GetString());
        Assert.Equal(JsonValueKind.True, profile.RootElement.GetProperty("email_verified").ValueKind);
        Assert.Equal("Hiker", profile.RootElement.GetProperty("name").GetString());
    }

    [Fact]
    public async Task The_form_post_response_mode_answers_with_a_form_that_posts_code_and_state_to_the_client()
    {
        using var browser = trailhead.Browser();
        var pkce = Pkce.Create();

        using var toLogin = await browser.GetAsync(new Uri(Trailhead.AuthorizePath(pkce, state: "state-fp", responseMode: "form_post"), UriKind.Relative));
        var redirect = await SignInAsync(browser, toLogin.Headers.Location!, "climber@trailhead.test", Trailhead.Password);
        using var response = await browser.GetAsync(redirect);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains($"""action="{Trailhead.RedirectUri}""", html, StringComparison.Ordinal);
        Assert.Contains("""method="post""", html, StringComparison.Ordinal);
        Assert.Contains(".submit()", html, StringComparison.Ordinal);
        Assert.Equal("state-fp", HiddenField(html, "state"));

        using var token = await Trailhead.RedeemAsync(browser, HiddenField(html, "code")!, pkce.Verifier);
        Assert.Equal(HttpStatusCode.OK, token.StatusCode);
        using var tokens = JsonDocument.Parse(await token.Content.ReadAsStringAsync());
        Assert.Equal("climber@trailhead.test", Trailhead.Payload(tokens.RootElement.GetProperty("id_token").GetString()!).GetProperty("email").GetString());
    }

    [Fact]
    public async Task An_unverified_users_id_token_says_email_verified_false()
    {
        using var browser = trailhead.Browser();
        var pkce = Pkce.Create();

        using var toLogin = await browser.GetAsync(new Uri(Trailhead.AuthorizePath(pkce), UriKind.Relative));
        var redirect = await SignInAsync(browser, toLogin.Headers.Location!, "scout@trailhead.test", Trailhead.Password);
        var callback = await AuthorizeAfterLoginAsync(browser, redirect);
        using var token = await Trailhead.RedeemAsync(browser, callback["code"]!, pkce.Verifier);

        using var tokens = JsonDocument.Parse(await token.Content.ReadAsStringAsync());
        var claims = Trailhead.Payload(tokens.RootElement.GetProperty("id_token").GetString()!);
        Assert.Equal("scout@trailhead.test", claims.GetProperty("email").GetString());
        Assert.Equal(JsonValueKind.False, claims.GetProperty("email_verified").ValueKind);
    }

    [Fact]
    public async Task A_code_is_refused_with_the_wrong_code_verifier_or_none()
    {
        using var browser = trailhead.Browser();
        var pkce = Pkce.Create();

        using var toLogin = await browser.GetAsync(new Uri(Trailhead.AuthorizePath(pkce), UriKind.Relative));
        var redirect = await SignInAsync(browser, toLogin.Headers.Location!, "paddler@trailhead.test", Trailhead.Password);
        var code = (await AuthorizeAfterLoginAsync(browser, redirect))["code"]!;

        using var withoutVerifier = await Trailhead.RedeemAsync(browser, code, codeVerifier: null);
        Assert.Equal(HttpStatusCode.BadRequest, withoutVerifier.StatusCode);
        using var wrongVerifier = await Trailhead.RedeemAsync(browser, code, Pkce.Create().Verifier);
        Assert.Equal(HttpStatusCode.BadRequest, wrongVerifier.StatusCode);
        Assert.Equal("invalid_grant", await ErrorAsync(wrongVerifier));
    }

    [Theory]
    [InlineData(false, "code_challenge")]
    [InlineData(true, "code_challenge_method")]
    public async Task An_authorization_request_without_an_S256_challenge_is_refused_before_any_login(bool plain, string parameter)
    {
        using var browser = trailhead.Browser();
        var pkce = plain ? new Pkce("a-plain-verifier-used-as-its-own-challenge", "a-plain-verifier-used-as-its-own-challenge", "plain") : null;

        using var response = await browser.GetAsync(new Uri(Trailhead.AuthorizePath(pkce), UriKind.Relative));

        // OpenIddict answers itself (before trusting the redirect_uri): no login page, no code.
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {body}");
        Assert.Null(response.Headers.Location);
        Assert.Contains("error:invalid_request", body, StringComparison.Ordinal);
        Assert.Contains($"'{parameter}'", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_password_shows_the_form_again_with_an_error_and_signs_nobody_in()
    {
        using var browser = trailhead.Browser();
        var pkce = Pkce.Create();
        var authorize = new Uri(Trailhead.AuthorizePath(pkce), UriKind.Relative);

        using var toLogin = await browser.GetAsync(authorize);
        using var refused = await browser.SubmitFormAsync(toLogin.Headers.Location!.PathAndQueryOrRelative(), new Dictionary<string, string>
        {
            ["Email"] = "hiker@trailhead.test",
            ["Password"] = "not-the-password",
        });

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var html = await refused.Content.ReadAsStringAsync();
        Assert.Contains("Wrong email or password.", html, StringComparison.Ordinal);
        Assert.Matches("""<label for="Password">Password</label>""", html);
        Assert.DoesNotContain("not-the-password", html, StringComparison.Ordinal);

        using var again = await browser.GetAsync(authorize);
        Assert.Equal(HttpStatusCode.Redirect, again.StatusCode);
        Assert.DoesNotContain("code=", again.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Contains("/login", again.Headers.Location.OriginalString, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://evil.test/callback", Trailhead.ClientId)]
    [InlineData(Trailhead.RedirectUri + "/extra", Trailhead.ClientId)]
    [InlineData(Trailhead.RedirectUri, "forged-client")]
    public async Task An_unknown_client_or_redirect_uri_is_refused_without_redirecting(string redirectUri, string clientId)
    {
        using var browser = trailhead.Browser();

        using var response = await browser.GetAsync(new Uri(Trailhead.AuthorizePath(Pkce.Create(), redirectUri: redirectUri, clientId: clientId), UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task A_wrong_client_secret_cannot_redeem_a_code()
    {
        using var browser = trailhead.Browser();
        var pkce = Pkce.Create();
        using var toLogin = await browser.GetAsync(new Uri(Trailhead.AuthorizePath(pkce), UriKind.Relative));
        var redirect = await SignInAsync(browser, toLogin.Headers.Location!, "ranger@trailhead.test", Trailhead.Password);
        var code = (await AuthorizeAfterLoginAsync(browser, redirect))["code"]!;

        using var response = await Trailhead.RedeemAsync(browser, code, pkce.Verifier, secret: "wrong-secret");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("invalid_client", await ErrorAsync(response));
    }

    [Fact]
    public async Task A_signed_in_browser_gets_a_code_at_once_and_prompt_none_without_a_session_gets_login_required()
    {
        using var browser = trailhead.Browser();

        using var silent = await browser.GetAsync(new Uri(Trailhead.AuthorizePath(Pkce.Create()) + "&prompt=none", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, silent.StatusCode);
        Assert.Equal(Trailhead.RedirectUri, silent.Headers.Location!.GetLeftPart(UriPartial.Path));
        Assert.Equal("login_required", QueryHelpers.ParseQuery(silent.Headers.Location.Query)["error"]);

        using var toLogin = await browser.GetAsync(new Uri(Trailhead.AuthorizePath(Pkce.Create()), UriKind.Relative));
        await SignInAsync(browser, toLogin.Headers.Location!, "cyclist@trailhead.test", Trailhead.Password);
        var pkce = Pkce.Create();
        var callback = await AuthorizeAfterLoginAsync(browser, new Uri(Trailhead.AuthorizePath(pkce, state: "state-2"), UriKind.Relative));

        Assert.Equal("state-2", callback["state"]);
        using var token = await Trailhead.RedeemAsync(browser, callback["code"]!, pkce.Verifier);
        using var tokens = JsonDocument.Parse(await token.Content.ReadAsStringAsync());
        Assert.Equal("trailhead-cyclist", Trailhead.Payload(tokens.RootElement.GetProperty("id_token").GetString()!).GetProperty("sub").GetString());
    }

    [Fact]
    public async Task After_login_the_browser_goes_back_only_to_a_local_address()
    {
        using var browser = trailhead.Browser();

        var redirect = await SignInAsync(browser, new Uri("/login?returnUrl=https%3A%2F%2Fevil.test%2F", UriKind.Relative), "walker@trailhead.test", Trailhead.Password);

        Assert.Equal("/", redirect.OriginalString);
    }

    /// <summary>Posts the login form; returns where the browser is sent next.</summary>
    private static async Task<Uri> SignInAsync(HttpClient browser, Uri loginPage, string email, string password)
    {
        using var response = await browser.SubmitFormAsync(loginPage.PathAndQueryOrRelative(), new Dictionary<string, string>
        {
            ["Email"] = email,
            ["Password"] = password,
        });
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"login answered {(int)response.StatusCode}:\n{await response.Content.ReadAsStringAsync()}");
        return response.Headers.Location!;
    }

    /// <summary>Follows the redirect back to the authorization endpoint, which sends the browser to the client with a code.</summary>
    private static async Task<Dictionary<string, string?>> AuthorizeAfterLoginAsync(HttpClient browser, Uri authorize)
    {
        Assert.StartsWith("/connect/authorize?", authorize.OriginalString, StringComparison.Ordinal);
        using var response = await browser.GetAsync(authorize);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var callback = response.Headers.Location!;
        Assert.Equal(Trailhead.RedirectUri, callback.GetLeftPart(UriPartial.Path));
        return QueryHelpers.ParseQuery(callback.Query).ToDictionary(pair => pair.Key, pair => (string?)pair.Value.ToString());
    }

    private static async Task AssertSignedByTrailheadAsync(HttpClient client, string idToken)
    {
        var jwks = new JsonWebKeySet(await client.GetStringAsync(new Uri("/.well-known/jwks", UriKind.Relative)));
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(idToken, new TokenValidationParameters
        {
            ValidIssuer = "http://localhost/",
            ValidAudience = Trailhead.ClientId,
            IssuerSigningKeys = jwks.GetSigningKeys(),
        });
        Assert.True(result.IsValid, result.Exception?.Message);
    }

    private static async Task<string?> ErrorAsync(HttpResponseMessage response)
    {
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("error").GetString();
    }

    private static string? HiddenField(string html, string name)
    {
        var match = HiddenInput().Matches(html).FirstOrDefault(input => input.Groups["name"].Value == name);
        return match is null ? null : WebUtility.HtmlDecode(match.Groups["value"].Value);
    }

    private static string[] Strings(JsonElement metadata, string property) =>
        [.. metadata.GetProperty(property).EnumerateArray().Select(value => value.GetString()!)];

    [GeneratedRegex("""<input type="hidden" name="(?<name>[^"]+)" value="(?<value>[^"]*)" />""")]
    private static partial Regex HiddenInput();
}

internal static class UriExtensions
{
    /// <summary>A redirect's target as the path and query the test client requests (Location may be absolute or relative).</summary>
    public static string PathAndQueryOrRelative(this Uri uri) => uri.IsAbsoluteUri ? uri.PathAndQuery : uri.OriginalString;
}
