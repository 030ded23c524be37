using AspireAuth.Auth.Api.Data;
using AspireAuth.SessionValidation;
using Microsoft.Extensions.Options;

namespace AspireAuth.Auth.Api.BetterAuth;

/// <summary>Starts sessions for users who signed in or up, with every plugin taking part in the same transaction.</summary>
internal sealed class SessionIssuer(
    AuthDbContext db, SessionStore store, AuthCookies cookies, IEnumerable<IAuthPlugin> plugins, IOptions<AuthOptions> options, TimeProvider time)
{
    private static readonly TimeSpan DontRememberLifetime = TimeSpan.FromDays(1);

    /// <summary>The session the request carries (cookie or bearer), if it is still valid.</summary>
    public async Task<SessionWithUser?> FindCurrentAsync(HttpRequest request) =>
        PresentedToken(request) is { } token ? await store.FindAsync(token) : null;

    /// <summary>The session token the request carries (cookie or bearer), whether or not that session still lives.</summary>
    public string? PresentedToken(HttpRequest request) => cookies.ReadToken(request);

    /// <summary>A session for a user who needs no account change (a guest): stored and set as the cookie.</summary>
    public async Task<SessionWithUser> IssueAsync(HttpContext httpContext, SessionUser user, bool rememberMe)
    {
        var created = Prepare(httpContext, user, rememberMe);
        await store.SaveNewAsync(created);
        cookies.SetSession(httpContext.Response, created.Session, rememberMe);
        return created;
    }

    /// <summary>
    /// Signs <paramref name="user"/> in: the account rows the caller added to the context and every
    /// plugin's part commit in one transaction, and only then is the session stored. A request cut
    /// off anywhere leaves all of it or none of it, and retrying it is safe.
    /// </summary>
    public async Task<SessionWithUser> SignInAsync(HttpContext httpContext, User user, bool rememberMe, SessionWithUser? previousSession)
    {
        var session = Prepare(httpContext, WithPluginFields(user), rememberMe);
        var signIn = new SignInContext(httpContext, db, previousSession, PresentedToken(httpContext.Request), session,
            time.TruncatedNow());

        // Past this point the client going away must not cut the sign-in short.
        var cancellationToken = CancellationToken.None;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            await db.SaveChangesAsync(cancellationToken);
            foreach (var plugin in plugins)
            {
                await plugin.OnSignInAsync(signIn, cancellationToken);
            }

            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        foreach (var afterCommit in signIn.AfterCommitActions)
        {
            await afterCommit(cancellationToken);
        }

        await store.SaveNewAsync(session);
        cookies.SetSession(httpContext.Response, session.Session, rememberMe);
        return session;
    }

    private SessionUser WithPluginFields(User user)
    {
        var sessionUser = user.ToSessionUser();
        var entry = db.Entry(user);
        foreach (var plugin in plugins)
        {
            sessionUser = sessionUser with { Fields = plugin.AddUserFields(entry, sessionUser.Fields) };
        }

        return sessionUser;
    }

    private SessionWithUser Prepare(HttpContext httpContext, SessionUser user, bool rememberMe) =>
        store.Prepare(user,
            ClientInfo.SessionIpAddress(httpContext.Request),
            ClientInfo.UserAgent(httpContext.Request),
            rememberMe ? options.Value.SessionLifetime : DontRememberLifetime);
}

internal static class UserMapping
{
    /// <summary>The user object with core's fields only; plugins add theirs (<see cref="IAuthPlugin.AddUserFields"/>).</summary>
    public static SessionUser ToSessionUser(this User user) =>
        new(user.Name, user.Email, user.EmailVerified, user.Image, user.CreatedAt, user.UpdatedAt, user.Id);
}
