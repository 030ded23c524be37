using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AspireAuth.Cart.Api.Data;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Hosting;

namespace AspireAuth.Cart.Api.Tests;

/// <summary>
/// Whatever a caller sends to a cart endpoint that changes the cart, a body it does not take gets a 4xx with
/// the <c>{"message","code"}</c> body that names nothing internal, in Development as elsewhere, and the
/// cart stays as it was; no other spelling of a path gets past authentication.
/// </summary>
[Collection(ShopCollection.Name)]
public sealed class HostileInputTests(HostileInputTests.Shop shop) : IClassFixture<HostileInputTests.Shop>
{
    private const int BodyLimit = 4 * 1024;

    /// <summary>The shared fixture, plus a Cart.Api in the Development environment, where the framework's developer pages would show internals.</summary>
    public sealed class Shop(ShopInfrastructure infrastructure) : IAsyncLifetime
    {
        public ShopFixture Fixture { get; } = new(infrastructure);

        public WebApplicationFactory<CartDbContext> DevelopmentCart { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            await Fixture.InitializeAsync();
            DevelopmentCart = Fixture.StartCart(new() { ["environment"] = Environments.Development });
        }

        public Task DisposeAsync() => Fixture.DisposeAsync();

        public ShopClient CreateShopper(string environment) =>
            new(Fixture.Auth.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false }),
                (environment == Environments.Development ? DevelopmentCart : Fixture.Cart).CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false }));
    }

    /// <summary>One bad request to a cart endpoint: its body (raw bytes), content type ("" for none), and the expected answer.</summary>
    public sealed record BadBody(string Name, byte[] Body, string ContentType, bool Chunked, HttpStatusCode Status, string Code)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<string, BadBody> BadItemAdditions => ForEachEnvironment(Bad(
        valid: """{"productId":1,"quantity":1}""", field: "quantity",
        [
            Validation("a string for productId", """{"productId":"1","quantity":1}"""),
            Validation("true for productId", """{"productId":true,"quantity":1}"""),
            Validation("an object for productId", """{"productId":{"id":1},"quantity":1}"""),
            Validation("productId given twice", """{"productId":2,"productId":1,"quantity":1}"""),
            Validation("no fields", "{}"),
        ]));

    public static TheoryData<string, BadBody> BadQuantityChanges => ForEachEnvironment(Bad(valid: """{"quantity":1}""", field: "quantity", []));

    [Theory]
    [MemberData(nameof(BadItemAdditions))]
    public async Task Adding_an_item_refuses_a_bad_body_and_changes_nothing(string environment, BadBody bad)
    {
        var shopper = shop.CreateShopper(environment);
        await shopper.SignInAnonymouslyAsync();
        await shopper.AddAsync(2, 1);

        using var response = await shopper.SendCartAsync(HttpMethod.Post, "/api/cart/items", Content(bad));

        await AssertRefused(bad, response);
        Assert.Equal([(2, 1)], (await shopper.GetCartAsync()).Lines.Select(line => (line.ProductId, line.Quantity)));
    }

    [Theory]
    [MemberData(nameof(BadQuantityChanges))]
    public async Task Changing_a_quantity_refuses_a_bad_body_and_changes_nothing(string environment, BadBody bad)
    {
        var shopper = shop.CreateShopper(environment);
        await shopper.SignInAnonymouslyAsync();
        await shopper.AddAsync(2, 3);

        using var response = await shopper.SendCartAsync(HttpMethod.Put, "/api/cart/items/2", Content(bad));

        await AssertRefused(bad, response);
        Assert.Equal([(2, 3)], (await shopper.GetCartAsync()).Lines.Select(line => (line.ProductId, line.Quantity)));
    }

    /// <summary>
    /// What a page on another site can make a browser send with the session cookie without asking first: a
    /// form or a no-cors fetch, whose content type can only be one of these. JSON is all a cart endpoint takes.
    /// </summary>
    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data; boundary=b")]
    public async Task A_cross_site_simple_request_with_the_session_cookie_is_415_and_changes_nothing(string contentType)
    {
        var shopper = shop.CreateShopper(Environments.Production);
        await shopper.SignInAnonymouslyAsync();
        await shopper.AddAsync(2, 1);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/cart/items")
        {
            Content = new ByteArrayContent("""{"productId":1,"quantity":1}"""u8.ToArray()),
        };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        request.Headers.Add("Origin", "http://evil.example");
        request.Headers.Add("Cookie", $"better-auth.session_token={SignedCookie(shopper.Token!)}");

        using var response = await shop.Fixture.Cart.CreateClient().SendAsync(request);

        await AssertError(response, HttpStatusCode.UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE");
        Assert.Equal([(2, 1)], (await shopper.GetCartAsync()).Lines.Select(line => (line.ProductId, line.Quantity)));
    }

    /// <summary>Anything else (JSON, PUT, DELETE) from another origin needs the browser to ask first; Cart.Api grants no other origin.</summary>
    [Theory]
    [InlineData("POST", "/api/cart/items")]
    [InlineData("PUT", "/api/cart/items/1")]
    [InlineData("DELETE", "/api/cart/items/1")]
    [InlineData("DELETE", "/api/cart")]
    public async Task A_cross_site_preflight_is_not_granted(string method, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", "http://evil.example");
        request.Headers.Add("Access-Control-Request-Method", method);
        request.Headers.Add("Access-Control-Request-Headers", "content-type");

        using var response = await shop.Fixture.Cart.CreateClient().SendAsync(request);

        Assert.False(response.IsSuccessStatusCode, $"{(int)response.StatusCode}");
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"));
    }

    [Theory]
    [InlineData("POST", "/API/CART/ITEMS")]
    [InlineData("POST", "/api/cart/items/")]
    [InlineData("POST", "/api/cart//items")]
    [InlineData("POST", "/api/cart/items%2F")]
    [InlineData("POST", "/api/cart%2Fitems")]
    [InlineData("POST", "/api/cart/items;x")]
    [InlineData("POST", "/api/cart/./items")]
    [InlineData("POST", "/api/cart/x/../items")]
    [InlineData("PUT", "/API/CART/ITEMS/2")]
    [InlineData("PUT", "/api/cart/items/02")]
    [InlineData("PUT", "/api/cart/items/+2")]
    [InlineData("PUT", "/api/cart/items/2.0")]
    [InlineData("PUT", "/api/cart/items/%32")]
    [InlineData("PUT", "/api/cart/items/99999999999")]
    [InlineData("DELETE", "/API/CART")]
    [InlineData("DELETE", "/api/cart/")]
    [InlineData("DELETE", "/api/cart/items/2/")]
    public async Task Another_spelling_of_a_path_needs_a_session_like_the_path(string method, string path)
    {
        var shopper = shop.CreateShopper(Environments.Production);
        var body = method == "DELETE" ? null : """{"productId":2,"quantity":1}""";

        using var anonymous = await shopper.SendCartAsync(new HttpMethod(method), path, body is null ? null : RawJson(body));

        Assert.True(anonymous.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed,
            $"{method} {path}: {(int)anonymous.StatusCode}");
        await AssertError(anonymous, anonymous.StatusCode, null);

        await shopper.SignInAnonymouslyAsync();
        using var signedIn = await shopper.SendCartAsync(new HttpMethod(method), path, body is null ? null : RawJson(body));

        Assert.True((int)signedIn.StatusCode < 500, $"{method} {path}: {(int)signedIn.StatusCode}");
        if (!signedIn.IsSuccessStatusCode)
        {
            await AssertError(signedIn, signedIn.StatusCode, null);
        }
    }

    private static TheoryData<string, BadBody> ForEachEnvironment(IEnumerable<BadBody> bodies)
    {
        var data = new TheoryData<string, BadBody>();
        foreach (var environment in new[] { Environments.Production, Environments.Development })
        {
            foreach (var body in bodies)
            {
                data.Add(environment, body);
            }
        }

        return data;
    }

    /// <summary>What every cart endpoint with a JSON body must refuse; <paramref name="field"/> is a number field of <paramref name="valid"/>.</summary>
    private static IEnumerable<BadBody> Bad(string valid, string field, IEnumerable<BadBody> more)
    {
        var withField = (string json) => valid.Replace($"\"{field}\":1", $"\"{field}\":{json}", StringComparison.Ordinal);
        var withExtraField = (string json) => "{\"x\":" + json + "," + valid[1..];
        return
        [
            Validation("truncated JSON", valid[..^2]),
            Validation("trailing garbage", valid + "}"),
            Validation("single-quoted JSON", valid.Replace('"', '\'')),
            Validation("a JSON array", $"[{valid}]"),
            Validation("JSON null", "null"),
            Validation("a JSON number", "42"),
            Validation("a JSON string", "\"hello\""),
            Validation("an empty body", ""),
            Validation("2,000 nested arrays", withExtraField(new string('[', 2_000) + new string(']', 2_000))),
            Validation("4,000 nested arrays, never closed", withExtraField(new string('[', 4_000))),
            Validation($"a string for {field}", withField("\"1\"")),
            Validation($"\"NaN\" for {field}", withField("\"NaN\"")),
            Validation($"NaN for {field}", withField("NaN")),
            Validation($"Infinity for {field}", withField("Infinity")),
            Validation($"-Infinity for {field}", withField("-Infinity")),
            Validation($"undefined for {field}", withField("undefined")),
            Validation($"true for {field}", withField("true")),
            Validation($"an array for {field}", withField("[1]")),
            Validation($"null for {field}", withField("null")),
            Validation($"a fraction for {field}", withField("1.5")),
            Validation($"a huge number for {field}", withField("1e999999")),
            Validation($"a number over Int32 for {field}", withField("99999999999")),
            Validation($"a negative {field}", withField("-1")),
            Validation($"{field} given twice", valid.Replace("{", $"{{\"{field}\":50,", StringComparison.Ordinal)),
            Validation("a comment", "/* hi */" + valid),
            Validation("a trailing comma", valid[..^1] + ",}"),
            Validation("a null byte after the JSON", valid + "\0"),
            Validation("a raw null byte in a string", withExtraField("\"a\0b\"")),
            Validation("only null bytes", "\0\0\0\0"),
            new("bytes that are not UTF-8 between tokens", [.. Encoding.UTF8.GetBytes(valid[..^1]), 0xff, (byte)'}'], "application/json", false,
                HttpStatusCode.BadRequest, "VALIDATION_ERROR"),
            new("bytes that are not UTF-8 in a string", [.. Encoding.UTF8.GetBytes("{\"x\":\""), 0xff, 0xfe, .. Encoding.UTF8.GetBytes("\"," + valid[1..])], "application/json", false,
                HttpStatusCode.BadRequest, "VALIDATION_ERROR"),
            Validation("a lone surrogate", withExtraField("\"\\ud800\"")),
            UnsupportedMediaType("text/plain", valid),
            UnsupportedMediaType("application/x-www-form-urlencoded", $"{field}=1"),
            UnsupportedMediaType("multipart/form-data; boundary=b", $"--b\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n1\r\n--b--\r\n"),
            UnsupportedMediaType("", valid),
            TooLarge("a string of a megabyte", withExtraField("\"" + new string('s', 1024 * 1024) + "\""), chunked: false),
            TooLarge("10,000 nested arrays", withExtraField(new string('[', 10_000)), chunked: false),
            Validation("an unknown field", withExtraField("1")),
            TooLarge("a chunked body over the limit", valid.PadRight(BodyLimit + 1), chunked: true),
            .. more,
        ];
    }

    private static BadBody Validation(string name, string body) =>
        new(name, Encoding.UTF8.GetBytes(body), "application/json", false, HttpStatusCode.BadRequest, "VALIDATION_ERROR");

    private static BadBody UnsupportedMediaType(string contentType, string body) =>
        new(contentType.Length == 0 ? "a body without a content type" : $"a {contentType} body", Encoding.UTF8.GetBytes(body), contentType, false,
            HttpStatusCode.UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE");

    private static BadBody TooLarge(string name, string body, bool chunked) =>
        new(name, Encoding.UTF8.GetBytes(body), "application/json", chunked, HttpStatusCode.RequestEntityTooLarge, "PAYLOAD_TOO_LARGE");

    private static HttpContent Content(BadBody bad)
    {
        HttpContent content = bad.Chunked ? new StreamContent(new NonSeekableStream(bad.Body)) : new ByteArrayContent(bad.Body);
        if (bad.ContentType.Length > 0)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", bad.ContentType);
        }

        return content;
    }

    private static StringContent RawJson(string body) => new(body, Encoding.UTF8, "application/json");

    private static string SignedCookie(string token) =>
        Uri.EscapeDataString(token + "." + Convert.ToBase64String(System.Security.Cryptography.HMACSHA256.HashData(
            Encoding.UTF8.GetBytes(ShopFixture.Secret), Encoding.UTF8.GetBytes(token))));

    private static Task AssertRefused(BadBody bad, HttpResponseMessage response) => AssertError(response, bad.Status, bad.Code);

    /// <summary>The status, and a <c>{"message","code"}</c> body and nothing else: no exception name, stack trace or framework type.</summary>
    private static async Task AssertError(HttpResponseMessage response, HttpStatusCode status, string? code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonDocument.Parse(text).RootElement;
        Assert.Equal(["message", "code"], body.EnumerateObject().Select(property => property.Name));
        if (code is not null)
        {
            Assert.Equal(code, body.GetProperty("code").GetString());
        }

        Assert.False(string.IsNullOrEmpty(body.GetProperty("message").GetString()));
        foreach (var internals in new[] { "System.", "Microsoft.", "Exception", " at ", "$.", ".cs" })
        {
            Assert.DoesNotContain(internals, text, StringComparison.Ordinal);
        }
    }

    /// <summary>A body whose length the client cannot know, so it is sent chunked without Content-Length.</summary>
    private sealed class NonSeekableStream(byte[] body) : MemoryStream(body)
    {
        public override bool CanSeek => false;
    }
}
