using System.Net;
using System.Text;
using System.Text.Json;
using AspireAuth.Auth.Api.Data;
using Microsoft.AspNetCore.Mvc.Testing;

namespace AspireAuth.Auth.Api.Tests;

/// <summary>
/// Whatever a caller sends, a body that is not what an endpoint takes gets a 4xx with Better
/// Auth's <c>{"message","code"}</c> body, never a 5xx, and writes nothing.
/// </summary>
[Collection(AuthApiCollection.Name)]
public sealed class BadInputTests : IClassFixture<AuthApiFixture>, IAsyncLifetime
{
    private const int DefaultBodyLimit = 16 * 1024;
    private const string Email = "bad-input@example.com";

    private readonly AuthApiFixture _fixture;
    private readonly WebApplicationFactory<AuthDbContext> _app;

    public BadInputTests(AuthApiFixture fixture)
    {
        _fixture = fixture;
        _app = fixture.SharedApp;
    }

    /// <summary>One bad request: its body (raw bytes), content type, how it is sent, and the expected answer.</summary>
    public sealed record BadBody(string Name, byte[] Body, string ContentType, bool Chunked, HttpStatusCode Status, string Code, string Message)
    {
        public override string ToString() => Name;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _fixture.DisposeAppsAsync();

    public static TheoryData<BadBody> BadSignUps => new(
        Common(field: "name", validBody: new { name = "Bob", email = Email, password = TestData.Password })
        .Concat(
        [
            Validation("wrong type for name", """{"name":1,"email":"bad-input@example.com","password":"correct-horse-battery"}""", "[body.name] Invalid input: wrong type"),
            Validation("wrong type for password", """{"name":"Bob","email":"bad-input@example.com","password":true}""", "[body.password] Invalid input: wrong type"),
            Validation("an object for email", """{"name":"Bob","email":{"a":1},"password":"correct-horse-battery"}""", "[body.email] Invalid input: wrong type"),
            Validation("no fields", "{}",
                "[body.name] Invalid input: expected string, received undefined; [body.email] Invalid input: expected string, received undefined; [body.password] Invalid input: expected string, received undefined"),
            Validation("a null byte in the name", Json(new { name = "Bo\0b", email = Email, password = TestData.Password }),
                "[body.name] Invalid input: must not contain null characters"),
            Validation("a null byte in the password", Json(new { name = "Bob", email = Email, password = "correct-horse\0battery" }),
                "[body.password] Invalid input: must not contain null characters"),
            Validation("a name of 256 characters", Json(new { name = new string('n', 256), email = Email, password = TestData.Password }),
                "[body.name] Too big: expected string to have <=255 characters"),
            Validation("an email of 255 characters", Json(new { name = "Bob", email = new string('e', 243) + "@example.com", password = TestData.Password }),
                "[body.email] Too big: expected string to have <=254 characters"),
            Validation("an image URL of 2049 characters", Json(new { name = "Bob", email = Email, password = TestData.Password, image = "https://example.com/" + new string('i', 2029) }),
                "[body.image] Too big: expected string to have <=2048 characters"),
        ]));

    public static TheoryData<BadBody> BadSignIns => new(
        Common(field: "email", validBody: new { email = Email, password = TestData.Password })
        .Concat(
        [
            Validation("wrong type for email", """{"email":1,"password":"correct-horse-battery"}""", "[body.email] Invalid input: wrong type"),
            Validation("wrong type for rememberMe", """{"email":"bad-input@example.com","password":"correct-horse-battery","rememberMe":"yes"}""", "[body.rememberMe] Invalid input: wrong type"),
            Validation("a number for rememberMe", """{"email":"bad-input@example.com","password":"correct-horse-battery","rememberMe":1}""", "[body.rememberMe] Invalid input: wrong type"),
            Validation("a huge number for rememberMe", """{"email":"bad-input@example.com","password":"correct-horse-battery","rememberMe":1e999999}""", "[body.rememberMe] Invalid input: wrong type"),
            Validation("no fields", "{}",
                "[body.email] Invalid input: expected string, received undefined; [body.password] Invalid input: expected string, received undefined"),
            Validation("a null byte in the password", Json(new { email = Email, password = "correct-horse\0battery" }),
                "[body.password] Invalid input: must not contain null characters"),
            Validation("an email of 255 characters", Json(new { email = new string('e', 243) + "@example.com", password = TestData.Password }),
                "[body.email] Too big: expected string to have <=254 characters"),
        ]));

    public static TheoryData<BadBody> BadAnonymousSignIns => new(NoFields());

    public static TheoryData<BadBody> BadSignOuts => new(NoFields());

    public static TheoryData<BadBody> BadAnonymousUserDeletions => new(NoFields());

    public static TheoryData<BadBody> BadRevokeSessions => new(
        Common(field: "token", validBody: new { token = "x" })
        .Concat(
        [
            Validation("wrong type for token", """{"token":1}""", "[body.token] Invalid input: wrong type"),
            Validation("no fields", "{}", "[body.token] Invalid input: expected string, received undefined"),
            Validation("a token of 257 characters", Json(new { token = new string('t', 257) }), "[body.token] Too big: expected string to have <=256 characters"),
        ]));

    [Theory]
    [MemberData(nameof(BadSignUps))]
    public async Task Sign_up_refuses_a_bad_body_and_creates_no_user(BadBody bad)
    {
        var client = _fixture.CreateClient(_app);

        var reply = await SendAsync(client, "/sign-up/email", bad);

        AssertRefused(bad, reply);
        Assert.False(await _fixture.UserWithEmailExistsAsync(Email));
    }

    [Theory]
    [MemberData(nameof(BadSignIns))]
    public async Task Sign_in_refuses_a_bad_body_and_starts_no_session(BadBody bad)
    {
        var email = TestData.UniqueEmail();
        var owner = _fixture.CreateClient(_app);
        await owner.SignUpAsync(email);
        var badWithThisEmail = bad with { Body = Replace(bad.Body, Email, email) };

        var reply = await SendAsync(_fixture.CreateClient(_app), "/sign-in/email", badWithThisEmail);

        AssertRefused(bad, reply);
        Assert.Single((await owner.GetAsync("/list-sessions")).Json.EnumerateArray());
    }

    [Theory]
    [MemberData(nameof(BadAnonymousSignIns))]
    public async Task Anonymous_sign_in_refuses_a_bad_body_and_creates_no_user(BadBody bad)
    {
        var before = DateTime.UtcNow;

        var reply = await SendAsync(_fixture.CreateClient(_app), "/sign-in/anonymous", bad);

        AssertRefused(bad, reply);
        Assert.Equal(0L, await _fixture.CountUsersCreatedSinceAsync(before));
    }

    [Theory]
    [MemberData(nameof(BadRevokeSessions))]
    public async Task Revoke_session_refuses_a_bad_body_and_revokes_nothing(BadBody bad)
    {
        var email = TestData.UniqueEmail();
        var client = _fixture.CreateClient(_app);
        await client.SignUpAsync(email);
        var other = _fixture.CreateClient(_app);
        var otherSession = await other.SignInAsync(email);
        var badNamingTheOtherSession = bad with { Body = Replace(bad.Body, "\"x\"", $"\"{otherSession.Token}\"") };

        var reply = await SendAsync(client, "/revoke-session", badNamingTheOtherSession);

        AssertRefused(bad, reply);
        Assert.Equal(2, (await client.GetAsync("/list-sessions")).Json.GetArrayLength());
        Assert.Equal(otherSession.UserId, (await other.GetAsync("/get-session")).UserId);
    }

    [Theory]
    [MemberData(nameof(BadSignOuts))]
    public async Task Sign_out_refuses_a_bad_body_and_keeps_the_session(BadBody bad)
    {
        var client = _fixture.CreateClient(_app);
        var signedIn = await client.SignUpAsync(TestData.UniqueEmail());

        var reply = await SendAsync(client, "/sign-out", bad);

        AssertRefused(bad, reply);
        Assert.Equal(signedIn.UserId, (await client.GetAsync("/get-session")).UserId);
    }

    [Theory]
    [MemberData(nameof(BadAnonymousUserDeletions))]
    public async Task Delete_anonymous_user_refuses_a_bad_body_and_deletes_nothing(BadBody bad)
    {
        var guest = _fixture.CreateClient(_app);
        var anonymous = await guest.SignInAnonymousAsync();

        var reply = await SendAsync(guest, "/delete-anonymous-user", bad);

        AssertRefused(bad, reply);
        Assert.Equal(anonymous.UserId, (await guest.GetAsync("/get-session")).UserId);
        Assert.Equal(1L, await _fixture.QueryScalarAsync<long>("""SELECT count(*) FROM "user" WHERE id = $1""", anonymous.UserId!));
    }

    [Fact]
    public async Task A_name_of_255_characters_is_accepted()
    {
        var name = new string('n', 255);

        var reply = await _fixture.CreateClient(_app).SignUpAsync(TestData.UniqueEmail(), name: name);

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal(name, reply.Json.GetProperty("user").GetProperty("name").GetString());
    }

    [Fact]
    public async Task A_body_of_exactly_the_limit_is_read()
    {
        var client = _fixture.CreateClient(_app);
        var body = Json(new { name = "Bob", email = TestData.UniqueEmail(), password = TestData.Password });

        var reply = await client.PostAsync("/sign-up/email", body.PadRight(DefaultBodyLimit));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
    }

    [Fact]
    public async Task The_body_limit_follows_the_setting()
    {
        var client = _fixture.CreateClient(_fixture.CreateApp(new() { ["Auth:MaxRequestBodyBytes"] = "1024" }));

        var reply = await client.PostAsync("/sign-in/anonymous", "{}".PadRight(1025));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, reply.Status);
        Assert.Equal("""{"message":"Request body is larger than 1024 bytes","code":"PAYLOAD_TOO_LARGE"}""", reply.Body);
    }

    /// <summary>What every JSON endpoint must refuse, with <paramref name="field"/> a string field of <paramref name="validBody"/>.</summary>
    private static IEnumerable<BadBody> Common(string field, object validBody)
    {
        var valid = Json(validBody);
        return
        [
            Validation("malformed JSON", valid[..^2], "Invalid JSON body"),
            Validation("trailing garbage", valid + "}", "Invalid JSON body"),
            Validation("single-quoted JSON", valid.Replace('"', '\''), "Invalid JSON body"),
            Validation("a JSON array", $"[{valid}]", "Invalid input: wrong type"),
            Validation("JSON null", "null", "Invalid input: expected object, received null"),
            Validation("a JSON number", "42", "Invalid input: wrong type"),
            Validation("an empty body", "", "Invalid input: expected object, received undefined"),
            Validation($"null for {field}", valid.Replace($"\"{field}\":\"", $"\"{field}\":null,\"was\":\"", StringComparison.Ordinal),
                $"[body.{field}] Invalid input: expected string, received undefined"),
            Validation("deeply nested JSON", "{\"a\":" + new string('[', 100) + new string(']', 100) + "}", "Invalid JSON body"),
            Validation($"a huge number for {field}", valid.Replace($"\"{field}\":\"", $"\"{field}\":1e999999,\"was\":\"", StringComparison.Ordinal),
                $"[body.{field}] Invalid input: wrong type"),
            Validation($"a raw null byte in {field}", valid.Replace($"\"{field}\":\"", $"\"{field}\":\"\0", StringComparison.Ordinal), "Invalid JSON body"),
            Validation($"{field} given twice", valid.Replace("{", $"{{\"{field}\":\"first\",", StringComparison.Ordinal), $"[body.{field}] Invalid input: wrong type"),
            Validation($"a lone surrogate in {field}", valid.Replace($"\"{field}\":\"", $"\"{field}\":\"\\ud800", StringComparison.Ordinal), $"[body.{field}] Invalid input: wrong type"),
            new($"bytes that are not UTF-8 in {field}", Replace(Encoding.UTF8.GetBytes(valid), Encoding.UTF8.GetBytes($"\"{field}\":\""), [.. Encoding.UTF8.GetBytes($"\"{field}\":\""), 0xff, 0xfe]),
                "application/json", false, HttpStatusCode.BadRequest, "VALIDATION_ERROR", $"[body.{field}] Invalid input: wrong type"),
            UnsupportedMediaType("text/plain", valid),
            UnsupportedMediaType("application/x-www-form-urlencoded", $"{field}=x"),
            .. Hostile(valid),
            .. TooLarge(valid),
        ];
    }

    /// <summary>What an endpoint that takes no fields must refuse (no body, an empty body and <c>{}</c> are what it accepts).</summary>
    private static IEnumerable<BadBody> NoFields() =>
    [
        Validation("malformed JSON", "{", "Invalid JSON body"),
        Validation("a JSON array", "[]", "Invalid input: wrong type"),
        Validation("JSON null", "null", "Invalid input: expected object, received null"),
        Validation("a JSON string", "\"hello\"", "Invalid input: wrong type"),
        Validation("a JSON number", "42", "Invalid input: wrong type"),
        UnsupportedMediaType("text/plain", "{}"),
        .. Hostile("{}"),
        .. TooLarge("{}"),
    ];

    /// <summary>
    /// Bodies an attacker crafts to break a parser rather than to pass validation, whatever the endpoint's
    /// fields; <paramref name="valid"/> is a JSON object the endpoint accepts.
    /// </summary>
    private static IEnumerable<BadBody> Hostile(string valid)
    {
        var withExtraField = (string json) => "{\"x\":" + json + (valid == "{}" ? "}" : "," + valid[1..]);
        return
        [
            Validation("10,000 nested arrays, never closed", withExtraField(new string('[', 10_000)), "Invalid JSON body"),
            Validation("8,000 nested arrays", withExtraField(new string('[', 8_000) + new string(']', 8_000)), "Invalid JSON body"),
            Validation("NaN as a value", withExtraField("NaN"), "Invalid JSON body"),
            Validation("Infinity as a value", withExtraField("Infinity"), "Invalid JSON body"),
            Validation("-Infinity as a value", withExtraField("-Infinity"), "Invalid JSON body"),
            Validation("undefined as a value", withExtraField("undefined"), "Invalid JSON body"),
            Validation("a comment", "/* hi */" + valid, "Invalid JSON body"),
            Validation("a trailing comma", valid[..^1] + (valid == "{}" ? "\"x\":1," : ",") + "}", "Invalid JSON body"),
            Validation("a null byte after the JSON", valid + "\0", "Invalid JSON body"),
            Validation("only null bytes", "\0\0\0\0", "Invalid JSON body"),
            Validation("a byte order mark", "\uFEFF" + valid, "Invalid JSON body"),
            new("UTF-16 JSON", Encoding.Unicode.GetBytes(valid), "application/json; charset=utf-16", false, HttpStatusCode.BadRequest, "VALIDATION_ERROR", "Invalid JSON body"),
            new("bytes that are not UTF-8 between tokens", [.. Encoding.UTF8.GetBytes(valid[..^1]), 0xff, (byte)'}'],
                "application/json", false, HttpStatusCode.BadRequest, "VALIDATION_ERROR", "Invalid JSON body"),
            UnsupportedMediaType("multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--b--\r\n"),
            new("a body without a content type", Encoding.UTF8.GetBytes(valid), "", false,
                HttpStatusCode.UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json"),
            new("a string of a megabyte", Encoding.UTF8.GetBytes(withExtraField("\"" + new string('s', 1024 * 1024) + "\"")), "application/json", false,
                HttpStatusCode.RequestEntityTooLarge, "PAYLOAD_TOO_LARGE", "Request body is larger than 16384 bytes"),
        ];
    }

    private static BadBody Validation(string name, string body, string message) =>
        new(name, Encoding.UTF8.GetBytes(body), "application/json", false, HttpStatusCode.BadRequest, "VALIDATION_ERROR", message);

    private static BadBody UnsupportedMediaType(string contentType, string body) =>
        new($"a {contentType} body", Encoding.UTF8.GetBytes(body), contentType, false,
            HttpStatusCode.UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json");

    /// <summary>One byte over the limit, announced by Content-Length and sent chunked with no length.</summary>
    private static BadBody[] TooLarge(string valid)
    {
        var body = Encoding.UTF8.GetBytes(valid.PadRight(DefaultBodyLimit + 1));
        const string message = "Request body is larger than 16384 bytes";
        return
        [
            new("a body over the limit with Content-Length", body, "application/json", false, HttpStatusCode.RequestEntityTooLarge, "PAYLOAD_TOO_LARGE", message),
            new("a chunked body over the limit", body, "application/json", true, HttpStatusCode.RequestEntityTooLarge, "PAYLOAD_TOO_LARGE", message),
            new("a chunked body of a megabyte", new byte[1024 * 1024], "application/json", true, HttpStatusCode.RequestEntityTooLarge, "PAYLOAD_TOO_LARGE", message),
        ];
    }

    private static string Json(object value) => JsonSerializer.Serialize(value);

    private static byte[] Replace(byte[] body, string oldText, string newText) =>
        Replace(body, Encoding.UTF8.GetBytes(oldText), Encoding.UTF8.GetBytes(newText));

    /// <summary>Replaces bytes in a body, leaving the rest as it was, bytes that are not UTF-8 included.</summary>
    private static byte[] Replace(byte[] body, byte[] oldBytes, byte[] newBytes)
    {
        var result = new List<byte>(body.Length);
        for (var rest = body.AsSpan(); !rest.IsEmpty;)
        {
            var at = rest.IndexOf(oldBytes);
            if (at < 0)
            {
                result.AddRange(rest);
                break;
            }

            result.AddRange(rest[..at]);
            result.AddRange(newBytes);
            rest = rest[(at + oldBytes.Length)..];
        }

        return [.. result];
    }

    private static Task<Reply> SendAsync(AuthHttp client, string path, BadBody bad) =>
        client.PostAsync(path, configure: request =>
        {
            request.Content = bad.Chunked ? new UnknownLengthContent(bad.Body) : new ByteArrayContent(bad.Body);
            if (bad.ContentType.Length > 0)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", bad.ContentType);
            }
        });

    private static void AssertRefused(BadBody bad, Reply reply)
    {
        Assert.Equal(bad.Status, reply.Status);
        Assert.Equal("application/json", reply.MediaType);
        Assert.Equal(JsonSerializer.Serialize(new { message = bad.Message, code = bad.Code }), reply.Body);
        Assert.Empty(reply.SetCookies);
    }

    /// <summary>A body sent without Content-Length, as a client streaming it chunked does.</summary>
    private sealed class UnknownLengthContent(byte[] body) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) => stream.WriteAsync(body).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
