using System.Security.Claims;
using AspireAuth.IdentityProvider.Users;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Primitives;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AspireAuth.IdentityProvider.Authorization;

/// <summary>
/// The endpoints OpenIddict passes through once it has validated the request (client, redirect_uri, PKCE,
/// scopes): a request it refuses never gets here. The token, userinfo, discovery and JWKS endpoints are
/// OpenIddict's own.
/// </summary>
internal static class AuthorizationEndpoints
{
    public const string AuthorizePath = "/connect/authorize";
    public const string TokenPath = "/connect/token";
    public const string UserInfoPath = "/connect/userinfo";
    public const string EndSessionPath = "/connect/endsession";

    private static readonly string[] Methods = [HttpMethods.Get, HttpMethods.Post];

    public static void MapAuthorizationEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapMethods(AuthorizePath, Methods, AuthorizeAsync);
        // As a Delegate, not a RequestDelegate (same shape), so its IResult is executed rather than discarded.
        app.MapMethods(EndSessionPath, Methods, (Delegate)EndSessionAsync);
    }

    /// <summary>Not signed in: to the login page, which comes back here. Signed in: a code for that user.</summary>
    private static async Task<IResult> AuthorizeAsync(HttpContext context, UserDirectory users)
    {
        var request = context.GetOpenIddictServerRequest();
        if (request is null)
        {
            return TypedResults.BadRequest();
        }

        var login = await context.AuthenticateAsync(TrailheadDefaults.CookieScheme);
        var user = login.Succeeded ? users.FindBySubject(login.Principal.FindFirstValue(Claims.Subject)) : null;
        if (user is null)
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Refuse(Errors.LoginRequired, "The user is not signed in to Trailhead ID.");
            }

            // The same request again after login: its parameters from the query, or from the form it was posted with.
            IEnumerable<KeyValuePair<string, StringValues>> parameters = context.Request.HasFormContentType
                ? await context.Request.ReadFormAsync(context.RequestAborted)
                : context.Request.Query;
            var returnUrl = context.Request.PathBase + context.Request.Path + QueryString.Create(parameters);
            return TypedResults.Challenge(new AuthenticationProperties { RedirectUri = returnUrl }, [TrailheadDefaults.CookieScheme]);
        }

        var identity = new ClaimsIdentity(TrailheadDefaults.DisplayName, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, user.Subject)
            .SetClaim(Claims.Email, user.Email)
            .SetClaim(Claims.EmailVerified, user.EmailVerified)
            .SetClaim(Claims.Name, user.Name);
        // OpenIddict has already checked the scopes against the registered ones and the client's permissions.
        identity.SetScopes(request.GetScopes());
        identity.SetDestinations(DestinationsOf);

        return TypedResults.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static async Task<IResult> EndSessionAsync(HttpContext context)
    {
        await context.SignOutAsync(TrailheadDefaults.CookieScheme);
        // OpenIddict redirects to a registered post_logout_redirect_uri when one was sent, else here.
        return TypedResults.SignOut(new AuthenticationProperties { RedirectUri = "/" }, [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
    }

    /// <summary>
    /// The identity token carries what the client signs the user in with; the access token carries the same,
    /// for the userinfo endpoint, which answers from it (<see cref="UserInfoClaims"/>).
    /// </summary>
    private static IEnumerable<string> DestinationsOf(Claim claim) => claim.Type switch
    {
        Claims.Subject => [Destinations.AccessToken, Destinations.IdentityToken],
        Claims.Email or Claims.EmailVerified when claim.Subject!.HasScope(Scopes.Email) => [Destinations.AccessToken, Destinations.IdentityToken],
        Claims.Name when claim.Subject!.HasScope(Scopes.Profile) => [Destinations.AccessToken, Destinations.IdentityToken],
        _ => [],
    };

    private static ForbidHttpResult Refuse(string error, string description) => TypedResults.Forbid(
        new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }),
        [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}
