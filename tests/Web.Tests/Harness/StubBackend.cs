using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AspireAuth.Web.Tests.Harness;

public sealed record RecordedRequest(string Method, string PathAndQuery, string? Cookie, string? Origin, string? ForwardedFor, string? UserAgent);

/// <summary>
/// A real HTTP server on a loopback port standing in for Auth.Api and Cart.Api, so the storefront's
/// service discovery, resilience pipeline and reverse proxy run exactly as in production.
/// Each test maps only the endpoints its story needs; every request is recorded.
/// </summary>
public sealed class StubBackend : IAsyncDisposable
{
    public const string GuestCookie = "better-auth.session_token=guest-token.c2lnbmVk";
    public const string MemberCookie = "better-auth.session_token=member-token.c2lnbmVk";

    private readonly WebApplication _app;

    private StubBackend(WebApplication app, ConcurrentQueue<RecordedRequest> requests)
    {
        _app = app;
        Requests = requests;
    }

    public ConcurrentQueue<RecordedRequest> Requests { get; }

    public Uri Address => new(_app.Urls.Single());

    public static async Task<StubBackend> StartAsync(Action<WebApplication> mapEndpoints)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();

        var requests = new ConcurrentQueue<RecordedRequest>();
        app.Use((context, next) =>
        {
            var headers = context.Request.Headers;
            requests.Enqueue(new RecordedRequest(context.Request.Method, context.Request.Path + context.Request.QueryString,
                Optional(headers.Cookie), Optional(headers.Origin), Optional(headers["X-Forwarded-For"]), Optional(headers.UserAgent)));
            return next(context);
        });
        mapEndpoints(app);

        await app.StartAsync();
        return new StubBackend(app, requests);
    }

    public RecordedRequest OnlyRequest(string method, string path) =>
        Assert.Single(Requests, request => request.Method == method && request.PathAndQuery == path);

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private static string? Optional(Microsoft.Extensions.Primitives.StringValues value) => value.Count == 0 ? null : value.ToString();
}

/// <summary>Answers as Auth.Api and Cart.Api answer, for the stub's endpoints.</summary>
public static class BackendAnswers
{
    public static readonly object[] Catalog =
    [
        new { id = 1, name = "Trail Running Shoes", price = 89.90m, imagePath = "/images/products/1.svg" },
        new { id = 2, name = "Trail Map Set", price = 14.50m, imagePath = "/images/products/2.svg" },
    ];

    public static IResult Error(int status, string code, string message) => Results.Json(new { message, code }, statusCode: status);

    public static IResult Session(string id, string name, bool isAnonymous) => Results.Json(new
    {
        session = new { id = "session-" + id, userId = id, token = "token-" + id },
        user = new { id, name, email = isAnonymous ? $"temp@{id}.com" : $"{name.ToLowerInvariant()}@example.com", emailVerified = false, image = (string?)null, isAnonymous },
    });

    public static IResult SignedIn(HttpContext context, string cookie, string id, string name, bool isAnonymous)
    {
        context.Response.Headers.Append("Set-Cookie", cookie + "; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax");
        return Results.Json(new
        {
            token = "token-" + id,
            user = new { id, name, email = $"{id}@example.com", emailVerified = false, image = (string?)null, isAnonymous },
        });
    }

    public static IResult Cart(params (int ProductId, string Name, decimal Price, int Quantity)[] lines) => Results.Json(new
    {
        lines = lines.Select(line => new
        {
            productId = line.ProductId,
            name = line.Name,
            price = line.Price,
            imagePath = $"/images/products/{line.ProductId}.svg",
            quantity = line.Quantity,
            lineTotal = line.Price * line.Quantity,
        }),
        total = lines.Sum(line => line.Price * line.Quantity),
        itemCount = lines.Sum(line => line.Quantity),
    });
}
