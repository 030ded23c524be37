using AspireAuth.SessionValidation;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace AspireAuth.Auth.Api.BetterAuth;

/// <summary>Writes Better Auth's cookies byte for byte as its server does, and reads the session token back.</summary>
internal sealed class AuthCookies(SessionCookie signer, IOptions<AuthOptions> options)
{
    public const string AuthTokenHeader = "set-auth-token";

    private readonly AuthOptions _options = options.Value;

    private string SessionCookieName => _options.UseSecureCookies ? SessionCookie.SecureName : SessionCookie.Name;

    private string Attributes => _options.UseSecureCookies ? "; Path=/; HttpOnly; Secure; SameSite=Lax" : "; Path=/; HttpOnly; SameSite=Lax";

    public void SetSession(HttpResponse response, Session session, bool rememberMe)
    {
        // From the last refresh, not the creation: a refreshed cookie lives as long as the refreshed session.
        var maxAge = rememberMe ? $"; Max-Age={(long)(session.ExpiresAt - session.UpdatedAt).TotalSeconds}" : "";
        response.Headers.Append(HeaderNames.SetCookie, $"{SessionCookieName}={signer.Sign(session.Token)}{maxAge}{Attributes}");
        if (!rememberMe)
        {
            response.Headers.Append(HeaderNames.SetCookie, $"{SessionCookie.DontRememberName}={signer.Sign("true")}{Attributes}");
        }

        // Lets Better Auth's client (and non-browser callers) use the token as a bearer.
        response.Headers[AuthTokenHeader] = session.Token;
        response.Headers.AccessControlExposeHeaders = AuthTokenHeader;
    }

    public void Clear(HttpResponse response)
    {
        foreach (var name in new[] { SessionCookieName, SessionCookie.DataName, SessionCookie.DontRememberName })
        {
            response.Headers.Append(HeaderNames.SetCookie, $"{name}=; Max-Age=0{Attributes}");
        }
    }

    /// <summary>The token of the request's session cookie or bearer header; null if absent or badly signed.</summary>
    public string? ReadToken(HttpRequest request) =>
        signer.ReadToken(request.Cookies[SessionCookieName], request.Headers.Authorization);

    public bool HasSignedSessionCookie(HttpRequest request) => signer.Verify(request.Cookies[SessionCookieName]) is not null;

    /// <summary>Whether the user asked not to be remembered: such a session is never refreshed, as in Better Auth.</summary>
    public bool HasDontRememberCookie(HttpRequest request) => signer.Verify(request.Cookies[SessionCookie.DontRememberName]) == "true";
}
