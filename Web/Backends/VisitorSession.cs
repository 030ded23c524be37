namespace AspireAuth.Web.Backends;

/// <summary>The visitor's Better Auth session, asked of Auth.Api at most once per request.</summary>
public sealed class VisitorSession(AuthApiClient auth, BrowserRelay browser)
{
    private Task<AuthSession?>? _current;

    public Task<AuthSession?> GetAsync(CancellationToken cancellationToken) =>
        _current ??= browser.HasAuthCookie ? auth.GetSessionAsync(cancellationToken) : Task.FromResult<AuthSession?>(null);

    /// <summary>The visitor's session; a visitor without one is signed in as a guest, so shopping needs no extra step.</summary>
    public async Task<AuthSession> EnsureAsync(CancellationToken cancellationToken)
    {
        if (await GetAsync(cancellationToken) is { } session)
        {
            return session;
        }

        var guest = await auth.SignInAnonymouslyAsync(cancellationToken);
        _current = Task.FromResult<AuthSession?>(guest);
        return guest;
    }
}
