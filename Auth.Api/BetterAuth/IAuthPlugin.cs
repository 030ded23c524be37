using AspireAuth.Shared.Sessions;

namespace AspireAuth.Auth.Api.BetterAuth;

/// <summary>
/// The C# shape of a Better Auth plugin: it adds endpoints under <c>/api/auth</c> and reacts
/// after a sign-in or sign-up issued a new session (Better Auth's "after" hooks).
/// </summary>
public interface IAuthPlugin
{
    void MapEndpoints(RouteGroupBuilder auth);

    /// <param name="previousSession">The session the request carried before it signed in, if any.</param>
    Task OnSessionCreatedAsync(HttpContext httpContext, SessionWithUser? previousSession, SessionWithUser newSession);
}
