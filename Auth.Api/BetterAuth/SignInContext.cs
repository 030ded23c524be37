using AspireAuth.Auth.Api.Data;
using AspireAuth.SessionValidation;

namespace AspireAuth.Auth.Api.BetterAuth;

/// <summary>A sign-in or sign-up in progress, as <see cref="IAuthPlugin.OnSignInAsync"/> sees it.</summary>
/// <param name="PreviousSession">The live session the request carried before it signed in, if any.</param>
/// <param name="PresentedToken">The session token the request carried, even when that session no longer lives.</param>
/// <param name="NewSession">The session that is issued once the transaction commits.</param>
public sealed class SignInContext(
    HttpContext httpContext, AuthDbContext db, SessionWithUser? previousSession, string? presentedToken, SessionWithUser newSession, DateTime now)
{
    private readonly List<Func<CancellationToken, Task>> _afterCommit = [];

    public HttpContext HttpContext { get; } = httpContext;

    public AuthDbContext Db { get; } = db;

    public SessionWithUser? PreviousSession { get; } = previousSession;

    public string? PresentedToken { get; } = presentedToken;

    public SessionWithUser NewSession { get; } = newSession;

    public DateTime Now { get; } = now;

    internal IReadOnlyList<Func<CancellationToken, Task>> AfterCommitActions => _afterCommit;

    /// <summary>Runs <paramref name="action"/> once the transaction committed, before the new session is issued.</summary>
    public void AfterCommit(Func<CancellationToken, Task> action) => _afterCommit.Add(action);
}
