using AspireAuth.Auth.Api.Data;
using AspireAuth.SessionValidation;
using Microsoft.EntityFrameworkCore.ChangeTracking;

namespace AspireAuth.Auth.Api.BetterAuth;

/// <summary>
/// The C# shape of a Better Auth plugin's hooks: it takes part in every sign-in and sign-up, and adds
/// its fields to user objects. Registered scoped: a hook may use the request's services.
/// </summary>
public interface IAuthPlugin
{
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

    /// <summary>
    /// <paramref name="fields"/> with this plugin's fields of the user (Better Auth's <c>additionalFields</c>),
    /// read from the tracked <paramref name="user"/> (plugin columns are shadow properties).
    /// </summary>
    UserFields AddUserFields(EntityEntry<User> user, UserFields fields) => fields;
}

/// <summary>A plugin's endpoints under <c>/api/auth</c>; a singleton, mapped once at startup.</summary>
public interface IAuthPluginEndpoints
{
    void MapEndpoints(RouteGroupBuilder auth);
}

/// <param name="ExistingUserId">The user that already has the address.</param>
/// <param name="PresentedToken">The session token the request carried, even when that session no longer lives.</param>
public sealed record SignUpRetry(HttpContext HttpContext, AuthDbContext Db, string ExistingUserId, string? PresentedToken);
