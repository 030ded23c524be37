using AspireAuth.Auth.Api.Data;

namespace AspireAuth.Auth.Api.BetterAuth;

/// <summary>
/// The C# shape of a Better Auth plugin: it adds endpoints under <c>/api/auth</c> and takes part
/// in every sign-in and sign-up (Better Auth's hooks).
/// </summary>
public interface IAuthPlugin
{
    void MapEndpoints(RouteGroupBuilder auth);

    /// <summary>
    /// Runs inside the transaction of a sign-in or sign-up, after the account's own rows are written
    /// and before any session exists: what the plugin writes commits with the account or not at all.
    /// Work outside the database that must follow the commit goes to <see cref="SignInContext.AfterCommit"/>.
    /// </summary>
    Task OnSignInAsync(SignInContext signIn, CancellationToken cancellationToken);

    /// <summary>
    /// Whether a sign-up for an address that has an account is the retry of the sign-up that created
    /// it (say, cut off after its transaction committed), as far as this plugin can tell.
    /// </summary>
    Task<bool> IsRetryOfSignUpAsync(SignUpRetry retry, CancellationToken cancellationToken);
}

/// <param name="ExistingUserId">The user that already has the address.</param>
/// <param name="PresentedToken">The session token the request carried, even when that session no longer lives.</param>
public sealed record SignUpRetry(HttpContext HttpContext, AuthDbContext Db, string ExistingUserId, string? PresentedToken);
