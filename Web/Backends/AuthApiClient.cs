using AspireAuth.ServiceDefaults.ApiErrors;
using Microsoft.Net.Http.Headers;

namespace AspireAuth.Web.Backends;

public sealed record AuthUser(string Id, string Name, string Email, bool IsAnonymous);

/// <summary>What the storefront needs of a Better Auth session answer (<c>get-session</c>, sign-in, sign-up).</summary>
public sealed record AuthSession(AuthUser User);

/// <summary>Where to send the browser to sign in at an identity provider (Better Auth's <c>{"url","redirect"}</c>).</summary>
public sealed record SocialRedirect(Uri Url);

/// <summary>One way to sign in to an account: <c>credential</c> (email and password) or an identity provider's id.</summary>
public sealed record LinkedAccount(string Id, string ProviderId, string AccountId);

/// <summary>Auth.Api's Better Auth endpoints, called server-side with the visitor's session cookie.</summary>
public sealed class AuthApiClient(HttpClient http, BrowserRelay browser, BackendLiveness liveness) : BackendClient(http, browser, liveness, ServiceName)
{
    public const string ServiceName = "auth-api";

    /// <summary>Auth.Api's code, with a 503, when the identity provider (not Auth.Api) cannot be reached.</summary>
    public const string ProviderUnavailable = "PROVIDER_UNAVAILABLE";

    private sealed record SignUpRequest(string Name, string Email, string Password);

    private sealed record SignInRequest(string Email, string Password);

    private sealed record SocialSignInRequest(string Provider, string CallbackURL, string ErrorCallbackURL);

    private sealed record UnlinkAccountRequest(string ProviderId, string AccountId);

    private sealed record UnlinkAccountResponse(bool Status);

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

    /// <summary>
    /// Starts signing in at an identity provider. Auth.Api's answer sets the cookie that binds the flow to this
    /// browser (relayed like every cookie it sets); the browser comes back to <paramref name="callbackUrl"/>, or
    /// to <paramref name="errorCallbackUrl"/> with <c>?error=</c>.
    /// </summary>
    public Task<SocialRedirect> SignInSocialAsync(string provider, string callbackUrl, string errorCallbackUrl, CancellationToken cancellationToken) =>
        StartAtIdentityProviderAsync("/api/auth/sign-in/social", new SocialSignInRequest(provider, callbackUrl, errorCallbackUrl), cancellationToken);

    /// <summary>Starts linking an identity provider to the signed-in account; the same round trip as <see cref="SignInSocialAsync"/>.</summary>
    public Task<SocialRedirect> LinkSocialAsync(string provider, string callbackUrl, string errorCallbackUrl, CancellationToken cancellationToken) =>
        StartAtIdentityProviderAsync("/api/auth/link-social", new SocialSignInRequest(provider, callbackUrl, errorCallbackUrl), cancellationToken);

    public async Task<IReadOnlyList<LinkedAccount>> ListAccountsAsync(CancellationToken cancellationToken) =>
        await SendAsync<LinkedAccount[]>(HttpMethod.Get, "/api/auth/list-accounts", body: null, cancellationToken);

    public Task UnlinkAccountAsync(string providerId, string accountId, CancellationToken cancellationToken) =>
        SendAsync<UnlinkAccountResponse>(HttpMethod.Post, "/api/auth/unlink-account", new UnlinkAccountRequest(providerId, accountId), cancellationToken);

    /// <summary>Auth.Api refuses cookie-carrying POSTs without a trusted origin, as a browser would send it.</summary>
    protected override void Prepare(HttpRequestMessage request)
    {
        if (request.Method == HttpMethod.Post)
        {
            request.Headers.TryAddWithoutValidation(HeaderNames.Origin, Browser.Origin);
        }
    }

    protected override void Inspect(HttpResponseMessage response) => Browser.RelaySetCookies(response);

    /// <summary>An identity provider that cannot be reached is Auth.Api's answer to relay, not Auth.Api being down.</summary>
    protected override bool IsRefusal(int status, ApiError error) =>
        base.IsRefusal(status, error) || (status == StatusCodes.Status503ServiceUnavailable && error.Code == ProviderUnavailable);

    private async Task<SocialRedirect> StartAtIdentityProviderAsync(string path, SocialSignInRequest request, CancellationToken cancellationToken)
    {
        var redirect = await SendAsync<SocialRedirect>(HttpMethod.Post, path, request, cancellationToken);
        // The browser is sent there as it is: only an absolute web address will do.
        return redirect.Url is { IsAbsoluteUri: true } url && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp)
            ? redirect
            : throw new ServiceUnavailableException(ServiceName, $"{ServiceName} answered POST {path} without an absolute http(s) url.");
    }
}
