using AspireAuth.Auth.Api.Data;
using AspireAuth.Shared.Sessions;
using Microsoft.Extensions.Options;

namespace AspireAuth.Auth.Api.BetterAuth;

/// <summary>Starts sessions for signed-in users and lets plugins react (e.g. the anonymous plugin links accounts).</summary>
internal sealed class SessionIssuer(SessionStore store, AuthCookies cookies, IEnumerable<IAuthPlugin> plugins, IOptions<AuthOptions> options)
{
    private static readonly TimeSpan DontRememberLifetime = TimeSpan.FromDays(1);

    /// <summary>The session the request carries (cookie or bearer), if it is still valid.</summary>
    public async Task<SessionWithUser?> FindCurrentAsync(HttpRequest request) =>
        cookies.ReadToken(request) is { } token ? await store.FindAsync(token) : null;

    public async Task<SessionWithUser> IssueAsync(HttpContext httpContext, User user, bool rememberMe, SessionWithUser? previousSession)
    {
        var created = await store.CreateAsync(user.ToSessionUser(),
            ClientInfo.SessionIpAddress(httpContext.Request),
            ClientInfo.UserAgent(httpContext.Request),
            rememberMe ? options.Value.SessionLifetime : DontRememberLifetime);
        cookies.SetSession(httpContext.Response, created.Session, rememberMe);

        foreach (var plugin in plugins)
        {
            await plugin.OnSessionCreatedAsync(httpContext, previousSession, created);
        }

        return created;
    }
}

internal static class UserMapping
{
    public static SessionUser ToSessionUser(this User user) =>
        new(user.Name, user.Email, user.EmailVerified, user.Image, user.CreatedAt, user.UpdatedAt, user.IsAnonymous, user.Id);
}
