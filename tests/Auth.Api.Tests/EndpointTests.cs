using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace AspireAuth.Auth.Api.Tests;

[Collection(AuthApiCollection.Name)]
public sealed partial class EndpointTests(AuthApiFixture fixture) : IClassFixture<AuthApiFixture>, IAsyncLifetime
{
    private readonly AuthHttp _client = fixture.CreateClient(fixture.SharedApp);

    private static string UniqueEmail(string name = "alice") => $"{name}+{Guid.NewGuid():N}@example.com";

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => fixture.DisposeAppsAsync();

    [Fact]
    public async Task Ok_answers_ok()
    {
        var reply = await _client.GetAsync("/ok");

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("""{"ok":true}""", reply.Body);
    }

    [Fact]
    public async Task Anonymous_sign_in_returns_token_and_user_and_a_signed_cookie()
    {
        var reply = await _client.SignInAnonymousAsync();

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal(["token", "user"], reply.Json.EnumerateObject().Select(p => p.Name));
        var user = reply.Json.GetProperty("user");
        Assert.Equal(["name", "email", "emailVerified", "image", "createdAt", "updatedAt", "isAnonymous", "id"],
            user.EnumerateObject().Select(p => p.Name));
        Assert.True(user.GetProperty("isAnonymous").GetBoolean());
        Assert.False(user.GetProperty("emailVerified").GetBoolean());
        Assert.Equal("Anonymous", user.GetProperty("name").GetString());
        Assert.Equal($"temp@{reply.UserId.ToLowerInvariant()}.com", user.GetProperty("email").GetString());
        Assert.Matches(IsoDate(), user.GetProperty("createdAt").GetString());
        Assert.Matches(Token(), reply.Token);
        Assert.Matches(Token(), reply.UserId);

        var cookie = Assert.Single(reply.SetCookies);
        Assert.Equal($"better-auth.session_token={Signed(reply.Token)}; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax", cookie);
        Assert.Equal(reply.Token, reply.Headers["set-auth-token"]);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("{}")]
    public async Task Anonymous_sign_in_accepts_no_body_an_empty_body_or_an_empty_object(string? body)
    {
        var reply = await _client.PostAsync("/sign-in/anonymous", body);

        Assert.Equal(HttpStatusCode.OK, reply.Status);
    }

    [Fact]
    public async Task Anonymous_sign_in_without_a_cookie_ignores_the_origin()
    {
        _client.Origin = "http://evil.example";

        var reply = await _client.SignInAnonymousAsync();

        Assert.Equal(HttpStatusCode.OK, reply.Status);
    }

    [Fact]
    public async Task An_anonymous_user_cannot_sign_in_anonymously_again()
    {
        await _client.SignInAnonymousAsync();

        var again = await _client.SignInAnonymousAsync();

        Assert.Equal(HttpStatusCode.BadRequest, again.Status);
        Assert.Equal("ANONYMOUS_USERS_CANNOT_SIGN_IN_AGAIN_ANONYMOUSLY", again.Code);
        Assert.Equal("Anonymous users cannot sign in again anonymously", again.Json.GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_real_user_may_sign_in_anonymously_and_gets_a_new_user()
    {
        var signUp = await _client.SignUpAsync(UniqueEmail());

        var anonymous = await _client.SignInAnonymousAsync();

        Assert.Equal(HttpStatusCode.OK, anonymous.Status);
        Assert.NotEqual(signUp.UserId, anonymous.UserId);
    }

    [Theory]
    [InlineData(null, "MISSING_OR_NULL_ORIGIN")]
    [InlineData("null", "MISSING_OR_NULL_ORIGIN")]
    [InlineData("http://evil.example", "INVALID_ORIGIN")]
    public async Task A_cookie_carrying_post_needs_a_trusted_origin(string? origin, string code)
    {
        await _client.SignInAnonymousAsync();
        _client.Origin = origin;

        var reply = await _client.SignInAnonymousAsync();

        Assert.Equal(HttpStatusCode.Forbidden, reply.Status);
        Assert.Equal(code, reply.Code);
    }

    [Fact]
    public async Task A_referer_of_a_trusted_origin_stands_in_for_a_missing_origin()
    {
        await _client.SignInAnonymousAsync();
        _client.Origin = null;

        var reply = await _client.PostAsync("/sign-out", configure: r => r.Headers.Referrer = new Uri("http://localhost/cart"));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
    }

    [Fact]
    public async Task Credential_endpoints_refuse_an_untrusted_origin_even_without_a_cookie()
    {
        _client.Origin = "http://evil.example";

        var signUp = await _client.SignUpAsync(UniqueEmail());
        var signIn = await _client.SignInAsync(UniqueEmail());

        Assert.Equal((HttpStatusCode.Forbidden, "INVALID_ORIGIN"), (signUp.Status, signUp.Code));
        Assert.Equal((HttpStatusCode.Forbidden, "INVALID_ORIGIN"), (signIn.Status, signIn.Code));
    }

    [Fact]
    public async Task Cross_site_navigation_logins_are_blocked()
    {
        _client.Origin = null;

        var reply = await _client.PostAsync("/sign-in/email", """{"email":"a@example.com","password":"whatever-123"}""",
            configure: r =>
            {
                r.Headers.Add("Sec-Fetch-Site", "cross-site");
                r.Headers.Add("Sec-Fetch-Mode", "navigate");
            });

        Assert.Equal(HttpStatusCode.Forbidden, reply.Status);
        Assert.Equal("CROSS_SITE_NAVIGATION_LOGIN_BLOCKED", reply.Code);
    }

    [Fact]
    public async Task Get_session_returns_session_and_user_with_no_store()
    {
        var signIn = await _client.PostAsync("/sign-in/anonymous", configure: r =>
        {
            r.Headers.Add("X-Forwarded-For", "203.0.113.7");
            r.Headers.UserAgent.ParseAdd("peer-wire/1.0");
        });

        var reply = await _client.GetAsync("/get-session");

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("no-store", reply.Headers["cache-control"]);
        Assert.Equal("no-cache", reply.Headers["pragma"]);
        var session = reply.Json.GetProperty("session");
        Assert.Equal(["id", "ipAddress", "userAgent", "expiresAt", "userId", "token", "createdAt", "updatedAt"],
            session.EnumerateObject().Select(p => p.Name));
        Assert.Equal("203.0.113.7", session.GetProperty("ipAddress").GetString());
        Assert.Equal("peer-wire/1.0", session.GetProperty("userAgent").GetString());
        Assert.Equal(signIn.Token, session.GetProperty("token").GetString());
        Assert.Equal(signIn.UserId, session.GetProperty("userId").GetString());
        var created = DateTime.Parse(session.GetProperty("createdAt").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        var expires = DateTime.Parse(session.GetProperty("expiresAt").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(TimeSpan.FromDays(7), expires - created);
        Assert.Equal(signIn.UserId, reply.Json.GetProperty("user").GetProperty("id").GetString());
        Assert.Empty(reply.SetCookies);
    }

    [Fact]
    public async Task Get_session_without_a_session_is_null_with_status_200()
    {
        var reply = await _client.GetAsync("/get-session");

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("null", reply.Body);
        Assert.Equal("application/json", reply.MediaType);
        Assert.Equal("no-store", reply.Headers["cache-control"]);
    }

    [Theory]
    [InlineData("{0}.AAAAtampered")]
    [InlineData("{0}")]
    [InlineData("{0}.Fg5dvSSAc6ay2X2MHR2pmHboR4jmCw1IfyamOwaAPjs%3D")]
    public async Task A_badly_signed_cookie_counts_as_no_session_and_is_left_alone(string format)
    {
        var signIn = await _client.SignInAnonymousAsync();
        _client.SessionCookie = string.Format(System.Globalization.CultureInfo.InvariantCulture, format, signIn.Token);

        var reply = await _client.GetAsync("/get-session");

        Assert.Equal("null", reply.Body);
        Assert.Empty(reply.SetCookies);
    }

    [Fact]
    public async Task Bearer_tokens_work_raw_and_signed()
    {
        var signIn = await _client.SignInAnonymousAsync();
        _client.SessionCookie = null;

        var raw = await _client.GetAsync("/get-session", r => r.Headers.Authorization = new("Bearer", signIn.Token));
        var signed = await _client.GetAsync("/get-session", r => r.Headers.Authorization = new("Bearer", Signed(signIn.Token)));

        Assert.Equal(signIn.UserId, raw.Json.GetProperty("user").GetProperty("id").GetString());
        Assert.Equal(signIn.UserId, signed.Json.GetProperty("user").GetProperty("id").GetString());
    }

    [Fact]
    public async Task Sign_up_creates_a_real_user_with_a_session()
    {
        var email = UniqueEmail();

        var reply = await _client.SignUpAsync(email, name: "Alice");

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal(["token", "user"], reply.Json.EnumerateObject().Select(p => p.Name));
        var user = reply.Json.GetProperty("user");
        Assert.Equal("Alice", user.GetProperty("name").GetString());
        Assert.Equal(email, user.GetProperty("email").GetString());
        Assert.False(user.GetProperty("isAnonymous").GetBoolean());
        Assert.Equal($"better-auth.session_token={Signed(reply.Token)}; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax", Assert.Single(reply.SetCookies));
        var stored = await fixture.QueryScalarAsync<string>("""SELECT password FROM account WHERE "userId" = $1 AND "providerId" = 'credential'""", reply.UserId);
        Assert.StartsWith("$argon2id$v=19$m=19456,t=2,p=1$", stored, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sign_up_with_a_used_email_in_any_case_is_422()
    {
        var email = UniqueEmail();
        await _client.SignUpAsync(email);
        _client.SessionCookie = null;

        var reply = await _client.SignUpAsync(email.ToUpperInvariant());

        Assert.Equal(HttpStatusCode.UnprocessableEntity, reply.Status);
        Assert.Equal("USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL", reply.Code);
        Assert.Equal("User already exists. Use another email.", reply.Json.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("1234567", "PASSWORD_TOO_SHORT")]
    [InlineData("", "PASSWORD_TOO_SHORT")]
    public async Task Sign_up_refuses_short_passwords(string password, string code)
    {
        var reply = await _client.SignUpAsync(UniqueEmail(), password);

        Assert.Equal((HttpStatusCode.BadRequest, code), (reply.Status, reply.Code));
    }

    [Fact]
    public async Task Sign_up_refuses_passwords_over_128_characters()
    {
        var reply = await _client.SignUpAsync(UniqueEmail(), new string('x', 129));

        Assert.Equal((HttpStatusCode.BadRequest, "PASSWORD_TOO_LONG"), (reply.Status, reply.Code));
    }

    [Fact]
    public async Task Sign_up_accepts_a_password_of_exactly_128_characters()
    {
        var email = UniqueEmail();
        await _client.SignUpAsync(email, new string('x', 128));
        _client.SessionCookie = null;

        var signIn = await _client.SignInAsync(email, new string('x', 128));

        Assert.Equal(HttpStatusCode.OK, signIn.Status);
    }

    [Fact]
    public async Task Sign_up_with_missing_fields_names_them()
    {
        var reply = await _client.PostAsync("/sign-up/email", """{"email":"bob@example.com"}""");

        Assert.Equal((HttpStatusCode.BadRequest, "VALIDATION_ERROR"), (reply.Status, reply.Code));
        Assert.Equal("[body.name] Invalid input: expected string, received undefined; [body.password] Invalid input: expected string, received undefined",
            reply.Json.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Sign_up_with_a_bad_email_says_so()
    {
        var reply = await _client.PostAsync("/sign-up/email", """{"name":"Bob","email":"not-an-email","password":"correct-horse-battery"}""");

        Assert.Equal((HttpStatusCode.BadRequest, "VALIDATION_ERROR"), (reply.Status, reply.Code));
        Assert.Equal("[body.email] Invalid email address", reply.Json.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Sign_in_returns_redirect_false_token_and_user()
    {
        var email = UniqueEmail();
        var signUp = await _client.SignUpAsync(email);
        _client.SessionCookie = null;

        var reply = await _client.SignInAsync(email.ToUpperInvariant());

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal(["redirect", "token", "user"], reply.Json.EnumerateObject().Select(p => p.Name));
        Assert.False(reply.Json.GetProperty("redirect").GetBoolean());
        Assert.Equal(signUp.UserId, reply.UserId);
        Assert.NotEqual(signUp.Token, reply.Token);
    }

    [Fact]
    public async Task Wrong_password_and_unknown_email_get_the_same_answer()
    {
        var email = UniqueEmail();
        await _client.SignUpAsync(email);
        _client.SessionCookie = null;

        var wrongPassword = await _client.SignInAsync(email, "wrong-password-123");
        var unknownEmail = await _client.SignInAsync(UniqueEmail(), "wrong-password-123");

        Assert.Equal(HttpStatusCode.Unauthorized, wrongPassword.Status);
        Assert.Equal("""{"message":"Invalid email or password","code":"INVALID_EMAIL_OR_PASSWORD"}""", wrongPassword.Body);
        Assert.Equal(wrongPassword.Status, unknownEmail.Status);
        Assert.Equal(wrongPassword.Body, unknownEmail.Body);
    }

    [Fact]
    public async Task Sign_out_ends_the_session_and_clears_the_cookies()
    {
        var signIn = await _client.SignInAnonymousAsync();
        var cookie = _client.SessionCookie;

        var reply = await _client.PostAsync("/sign-out");

        Assert.Equal("""{"success":true}""", reply.Body);
        Assert.Equal(ClearingCookies, reply.SetCookies);
        _client.SessionCookie = cookie;
        var after = await _client.GetAsync("/get-session");
        Assert.Equal("null", after.Body);
        Assert.Equal(ClearingCookies, after.SetCookies);
        var bearer = await _client.GetAsync("/get-session", r => r.Headers.Authorization = new("Bearer", signIn.Token));
        Assert.Equal("null", bearer.Body);
    }

    [Fact]
    public async Task Delete_anonymous_user_needs_a_session()
    {
        var reply = await _client.PostAsync("/delete-anonymous-user");

        Assert.Equal((HttpStatusCode.Unauthorized, "UNAUTHORIZED"), (reply.Status, reply.Code));
    }

    [Fact]
    public async Task Delete_anonymous_user_refuses_real_users()
    {
        await _client.SignUpAsync(UniqueEmail());

        var reply = await _client.PostAsync("/delete-anonymous-user");

        Assert.Equal((HttpStatusCode.Forbidden, "USER_IS_NOT_ANONYMOUS"), (reply.Status, reply.Code));
    }

    [Fact]
    public async Task Delete_anonymous_user_deletes_the_user_its_sessions_and_announces_it()
    {
        var signIn = await _client.SignInAnonymousAsync();

        var reply = await _client.PostAsync("/delete-anonymous-user");

        Assert.Equal("""{"success":true}""", reply.Body);
        Assert.Equal(ClearingCookies, reply.SetCookies);
        Assert.Equal(0L, await fixture.QueryScalarAsync<long>("""SELECT count(*) FROM "user" WHERE id = $1""", signIn.UserId));
        Assert.Equal(1L, await fixture.QueryScalarAsync<long>(
            "SELECT count(*) FROM outbox_message WHERE event_type = 'auth.anonymous-user-deleted' AND payload->>'anonymousUserId' = $1", signIn.UserId));
        var bearer = await _client.GetAsync("/get-session", r => r.Headers.Authorization = new("Bearer", signIn.Token));
        Assert.Equal("null", bearer.Body);
    }

    [Fact]
    public async Task List_sessions_shows_the_callers_live_sessions()
    {
        var email = UniqueEmail();
        var first = await _client.SignUpAsync(email);
        var other = fixture.CreateClient(fixture.CreateApp());
        var second = await other.SignInAsync(email);

        var reply = await _client.GetAsync("/list-sessions");

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        var tokens = reply.Json.EnumerateArray().Select(s => s.GetProperty("token").GetString()).Order().ToArray();
        Assert.Equal(new[] { first.Token, second.Token }.Order().ToArray(), tokens);
        Assert.All(reply.Json.EnumerateArray(), s => Assert.Equal(first.UserId, s.GetProperty("userId").GetString()));
    }

    [Fact]
    public async Task List_sessions_without_a_session_is_401()
    {
        var reply = await _client.GetAsync("/list-sessions");

        Assert.Equal((HttpStatusCode.Unauthorized, "UNAUTHORIZED"), (reply.Status, reply.Code));
    }

    [Fact]
    public async Task Revoke_session_ends_another_session_of_the_caller()
    {
        var email = UniqueEmail();
        await _client.SignUpAsync(email);
        var other = fixture.CreateClient(fixture.CreateApp());
        var second = await other.SignInAsync(email);

        var reply = await _client.PostAsync("/revoke-session", $$"""{"token":"{{second.Token}}"}""");

        Assert.Equal("""{"status":true}""", reply.Body);
        Assert.Equal("null", (await other.GetAsync("/get-session")).Body);
        Assert.NotEqual("null", (await _client.GetAsync("/get-session")).Body);
    }

    [Fact]
    public async Task Revoke_session_cannot_end_someone_elses_session()
    {
        await _client.SignUpAsync(UniqueEmail());
        var victim = fixture.CreateClient(fixture.CreateApp());
        var victimSession = await victim.SignUpAsync(UniqueEmail("victim"));

        await _client.PostAsync("/revoke-session", $$"""{"token":"{{victimSession.Token}}"}""");

        Assert.NotEqual("null", (await victim.GetAsync("/get-session")).Body);
    }

    [Fact]
    public async Task Revoke_session_naming_an_internal_key_is_a_no_op_not_an_error()
    {
        var signUp = await _client.SignUpAsync(UniqueEmail());

        var reply = await _client.PostAsync("/revoke-session", $$"""{"token":"active-sessions-{{signUp.UserId}}"}""");

        Assert.Equal((HttpStatusCode.OK, """{"status":true}"""), (reply.Status, reply.Body));
        Assert.Equal(signUp.UserId, (await _client.GetAsync("/get-session")).UserId);
        Assert.Single((await _client.GetAsync("/list-sessions")).Json.EnumerateArray());
    }

    [Fact]
    public async Task Revoke_session_without_a_session_is_401()
    {
        var reply = await _client.PostAsync("/revoke-session", """{"token":"x"}""");

        Assert.Equal((HttpStatusCode.Unauthorized, "UNAUTHORIZED"), (reply.Status, reply.Code));
    }

    [Theory]
    [InlineData("GET", "/does-not-exist")]
    [InlineData("GET", "/sign-in/anonymous")]
    [InlineData("POST", "/get-session")]
    [InlineData("DELETE", "/sign-out")]
    public async Task Unknown_paths_and_wrong_methods_are_a_bare_404(string method, string path)
    {
        using var response = await _client.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), "/api/auth" + path));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsStringAsync());
    }

    private static readonly string[] ClearingCookies =
    [
        "better-auth.session_token=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
        "better-auth.session_data=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
        "better-auth.dont_remember=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
    ];

    /// <summary>Signs independently of the product code: HMAC-SHA256, padded base64, then URL-encoded.</summary>
    internal static string Signed(string token)
    {
        var signature = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(AuthApiFixture.Secret), Encoding.UTF8.GetBytes(token)));
        return Uri.EscapeDataString($"{token}.{signature}");
    }

    [GeneratedRegex("^[A-Za-z0-9]{32}$")]
    private static partial Regex Token();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")]
    private static partial Regex IsoDate();
}
