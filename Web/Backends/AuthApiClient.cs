using Microsoft.Net.Http.Headers;

namespace AspireAuth.Web.Backends;

public sealed record AuthUser(string Id, string Name, string Email, bool IsAnonymous);

/// <summary>What the storefront needs of a Better Auth session answer (<c>get-session</c>, sign-in, sign-up).</summary>
public sealed record AuthSession(AuthUser User);

/// <summary>Auth.Api's Better Auth endpoints, called server-side with the visitor's session cookie.</summary>
public sealed class AuthApiClient(HttpClient http, BrowserRelay browser) : BackendClient(http, browser, ServiceName)
{
    public const string ServiceName = "auth-api";

    private sealed record SignUpRequest(string Name, string Email, string Password);

    private sealed record SignInRequest(string Email, string Password);

    /// <summary>The visitor's session, or null when they have none (Better Auth answers the JSON literal <c>null</c>).</summary>
    public Task<AuthSession?> GetSessionAsync(CancellationToken cancellationToken) =>
        SendForOptionalAsync<AuthSession>(HttpMethod.Get, "/api/auth/get-session", body: null, cancellationToken);

    public Task<AuthSession> SignInAnonymouslyAsync(CancellationToken cancellationToken) =>
        SendAsync<AuthSession>(HttpMethod.Post, "/api/auth/sign-in/anonymous", body: null, cancellationToken);

    public Task<AuthSession> SignUpAsync(string name, string email, string password, CancellationToken cancellationToken) =>
        SendAsync<AuthSession>(HttpMethod.Post, "/api/auth/sign-up/email", new SignUpRequest(name, email, password), cancellationToken);

    public Task<AuthSession> SignInAsync(string email, string password, CancellationToken cancellationToken) =>
        SendAsync<AuthSession>(HttpMethod.Post, "/api/auth/sign-in/email", new SignInRequest(email, password), cancellationToken);

    public Task SignOutAsync(CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, "/api/auth/sign-out", cancellationToken);

    public Task DeleteAnonymousUserAsync(CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, "/api/auth/delete-anonymous-user", cancellationToken);

    /// <summary>Auth.Api refuses cookie-carrying POSTs without a trusted origin, as a browser would send it.</summary>
    protected override void Prepare(HttpRequestMessage request)
    {
        if (request.Method == HttpMethod.Post)
        {
            request.Headers.TryAddWithoutValidation(HeaderNames.Origin, Browser.Origin);
        }
    }

    protected override void Inspect(HttpResponseMessage response) => Browser.RelaySetCookies(response);
}
