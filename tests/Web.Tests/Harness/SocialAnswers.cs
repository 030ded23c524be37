using System.Collections.Concurrent;

namespace AspireAuth.Web.Tests.Harness;

/// <summary>What the storefront sends to Auth.Api's sign-in/social and link-social.</summary>
public sealed record SocialRequest(string Provider, string? CallbackURL, string? ErrorCallbackURL);

/// <summary>Auth.Api's social sign-in and linking answers, and the storefront configured with identity providers.</summary>
public static class SocialAnswers
{
    /// <summary>The identity provider's authorization URL Auth.Api answers with.</summary>
    public const string AuthorizationUrl = "https://id.example.test/connect/authorize?client_id=storefront&state=state-123";

    /// <summary>The cookie that binds the sign-in to the browser it started in.</summary>
    public const string StateCookie = "better-auth.state=state-123.c2lnbmVk";

    public static readonly Dictionary<string, string?> TrailheadConfigured = new()
    {
        ["Web:SocialProviders:trailhead"] = "Trailhead ID",
    };

    public static Storefront StorefrontOver(StubBackend backend, IReadOnlyDictionary<string, string?>? settings = null) =>
        new(backend.Address, backend.Address) { Settings = settings ?? TrailheadConfigured };

    /// <summary>Maps <paramref name="path"/> to answer as Auth.Api does when the sign-in can start; records each request's body.</summary>
    public static void MapStart(WebApplication app, string path, ConcurrentQueue<SocialRequest> requests) =>
        app.MapPost(path, (SocialRequest request, HttpContext context) =>
        {
            requests.Enqueue(request);
            context.Response.Headers.Append("Set-Cookie", StateCookie + "; Max-Age=600; Path=/; HttpOnly; SameSite=Lax");
            return Results.Json(new { url = AuthorizationUrl, redirect = true });
        });
}
