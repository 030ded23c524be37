using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace AspireAuth.Auth.Api.Tests;

/// <summary>A browser-like caller: keeps the session cookie it is given and sends a trusted Origin.</summary>
public sealed class AuthHttp(HttpClient http)
{
    public const string OwnOrigin = "http://localhost";

    /// <summary>The signed session cookie value, as the server set it.</summary>
    public string? SessionCookie { get; set; }

    /// <summary>The signed <c>better-auth.dont_remember</c> cookie value (a session the user asked not to be remembered).</summary>
    public string? DontRememberCookie { get; set; }

    public string? Origin { get; set; } = OwnOrigin;

    /// <summary>Other cookies this browser holds and sends (name → value), e.g. a social sign-in's state cookie; a test sets them.</summary>
    public Dictionary<string, string> OtherCookies { get; } = new(StringComparer.Ordinal);

    public HttpClient Http => http;

    public Task<Reply> PostAsync(string path, string? json = null, string contentType = "application/json", Action<HttpRequestMessage>? configure = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth" + path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        if (Origin is not null)
        {
            request.Headers.TryAddWithoutValidation("Origin", Origin);
        }

        configure?.Invoke(request);
        return SendAsync(request);
    }

    public Task<Reply> GetAsync(string path, Action<HttpRequestMessage>? configure = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/auth" + path);
        configure?.Invoke(request);
        return SendAsync(request);
    }

    public Task<Reply> SignInAnonymousAsync() => PostAsync("/sign-in/anonymous");

    public Task<Reply> SignUpAsync(string email, string password = "correct-horse-battery", string name = "Alice") =>
        PostAsync("/sign-up/email", JsonSerializer.Serialize(new { name, email, password }));

    public Task<Reply> SignInAsync(string email, string password = "correct-horse-battery") =>
        PostAsync("/sign-in/email", JsonSerializer.Serialize(new { email, password }));

    private async Task<Reply> SendAsync(HttpRequestMessage request)
    {
        var requestCookies = new List<string>();
        if (SessionCookie is not null)
        {
            requestCookies.Add($"better-auth.session_token={SessionCookie}");
        }

        if (DontRememberCookie is not null)
        {
            requestCookies.Add($"better-auth.dont_remember={DontRememberCookie}");
        }

        requestCookies.AddRange(OtherCookies.Select(cookie => $"{cookie.Key}={cookie.Value}"));
        if (requestCookies.Count > 0)
        {
            request.Headers.TryAddWithoutValidation("Cookie", string.Join("; ", requestCookies));
        }

        using var response = await http.SendAsync(request);
        var reply = new Reply(response.StatusCode, await response.Content.ReadAsStringAsync(),
            response.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies.ToList() : [],
            response.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => string.Join(",", h.Value)),
            response.Content.Headers.ContentType?.MediaType);

        if (reply.SessionCookieSet is { } set)
        {
            SessionCookie = set.Length == 0 ? null : set;
        }

        if (reply.CookieSet("better-auth.dont_remember") is { } dontRemember)
        {
            DontRememberCookie = dontRemember.Length == 0 ? null : dontRemember;
        }

        return reply;
    }
}

public sealed record Reply(HttpStatusCode Status, string Body, IReadOnlyList<string> SetCookies, IReadOnlyDictionary<string, string> Headers, string? MediaType)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    public string Code => Json.GetProperty("code").GetString()!;

    public string Token => Json.GetProperty("token").GetString()!;

    public string UserId => Json.GetProperty("user").GetProperty("id").GetString()!;

    /// <summary>The session cookie value this response set ("" when it cleared it), or null when untouched.</summary>
    public string? SessionCookieSet => CookieSet("better-auth.session_token");

    /// <summary>The value this response set for the cookie <paramref name="name"/> ("" when it cleared it), or null when untouched.</summary>
    public string? CookieSet(string name) => SetCookies
        .Where(cookie => cookie.StartsWith(name + "=", StringComparison.Ordinal))
        .Select(cookie => cookie[(name.Length + 1)..].Split(';')[0])
        .LastOrDefault();
}
