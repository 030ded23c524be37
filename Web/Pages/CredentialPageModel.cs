using AspireAuth.Web.Backends;
using AspireAuth.Web.Infrastructure;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AspireAuth.Web.Pages;

/// <summary>
/// What sign-in and sign-up pages share: knowing whether the visitor is a guest, showing Auth.Api's
/// refusal in plain words, and, for a guest, waiting for the account they just entered to take over their cart.
/// </summary>
public abstract class CredentialPageModel(VisitorSession session, GuestCartTakeover takeover) : PageModel
{
    /// <summary>Auth.Api's refusal, in words a visitor can act on.</summary>
    public string? ErrorMessage { get; private set; }

    public bool IsGuest { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        IsGuest = await session.GetAsync(cancellationToken) is { User.IsAnonymous: true };

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
