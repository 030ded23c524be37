using AspireAuth.Web.Backends;
using AspireAuth.Web.Infrastructure;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace AspireAuth.Web.Pages;

/// <summary>
/// What sign-in and sign-up pages share: knowing whether the visitor is a guest, showing Auth.Api's
/// refusal in plain words, signing in at the configured identity providers, and, for a guest, waiting
/// for the account they just entered to take over their cart.
/// </summary>
[FormsLeaveForIdentityProviders]
public abstract class CredentialPageModel(
    VisitorSession session, AuthApiClient auth, GuestCartTakeover takeover, IOptions<SocialSignInOptions> social) : PageModel
{
    /// <summary>Auth.Api's refusal, in words a visitor can act on.</summary>
    public string? ErrorMessage { get; private set; }

    public bool IsGuest { get; private set; }

    protected AuthApiClient Auth => auth;

    /// <summary>One "Continue with …" button each.</summary>
    public IReadOnlyList<SocialProvider> SocialProviders => social.Value.Providers;

    /// <param name="provider">The identity provider a sign-in came back from (the page's path names it), if any.</param>
    /// <param name="error">Better Auth's code for why that sign-in failed.</param>
    public async Task OnGetAsync(string? provider, string? error, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(error))
        {
            ErrorMessage = FriendlyMessages.ForSignInReturn(error, social.Value.Find(provider));
            // Not signed in: no account is taking a guest cart over.
            if (takeover.Find(Request) is not null)
            {
                takeover.End(HttpContext);
            }
        }

        IsGuest = await session.GetAsync(cancellationToken) is { User.IsAnonymous: true };
    }

    /// <summary>
    /// Sends the browser to the identity provider, carrying the cookie Auth.Api binds the sign-in to. It comes back
    /// to the cart for a guest (whose cart the account takes over) or the catalog, or to this page with an error.
    /// </summary>
    public async Task<IActionResult> OnPostSocialAsync(string? provider, CancellationToken cancellationToken)
    {
        var sessionBefore = await session.GetAsync(cancellationToken);
        var isGuest = sessionBefore is { User.IsAnonymous: true };

        // Refusals come back by redirect (post/redirect/get): the email form posts to the page's address, which must not be this handler's.
        if (social.Value.Find(provider) is not { } chosen)
        {
            TempData.ShowProblem("That way of signing in isn't available. Use your email and password instead.");
            return RedirectToPage();
        }

        SocialRedirect redirect;
        try
        {
            var returnTo = isGuest ? Url.Page("/Cart")! : Url.Page("/Index")!;
            var errorReturnTo = Url.Page(PageContext.ActionDescriptor.ViewEnginePath, new { provider = chosen.Id })!;
            redirect = await auth.SignInSocialAsync(chosen.Id, returnTo, errorReturnTo, cancellationToken);
        }
        catch (ApiErrorException error)
        {
            TempData.ShowProblem(FriendlyMessages.ForIdentityProvider(error, chosen));
            return RedirectToPage();
        }

        takeover.BeginAtIdentityProviderIfGuest(HttpContext, sessionBefore);
        return Redirect(redirect.Url.AbsoluteUri);
    }

    protected async Task<IActionResult> SubmitAsync(
        Func<CancellationToken, Task<AuthSession>> enter, Func<AuthSession, string> welcome, CancellationToken cancellationToken)
    {
        var sessionBefore = await session.GetAsync(cancellationToken);
        IsGuest = sessionBefore is { User.IsAnonymous: true };
        if (!ModelState.IsValid)
        {
            return Page();
        }

        AuthSession entered;
        try
        {
            entered = await enter(cancellationToken);
        }
        catch (ApiErrorException error)
        {
            ErrorMessage = FriendlyMessages.For(error);
            Response.StatusCode = error.StatusCode;
            return Page();
        }

        TempData.ShowSuccess(welcome(entered));
        return takeover.BeginIfGuest(HttpContext, sessionBefore) ? RedirectToPage("/Cart") : RedirectToPage("/Index");
    }
}
