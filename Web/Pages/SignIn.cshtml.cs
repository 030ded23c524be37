using System.ComponentModel.DataAnnotations;
using AspireAuth.Web.Backends;
using AspireAuth.Web.Infrastructure;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AspireAuth.Web.Pages;

public sealed class SignInModel(VisitorSession session, AuthApiClient auth, GuestCartHandover handover) : PageModel
{
    [BindProperty]
    [Required(ErrorMessage = "Enter your email address.")]
    [EmailAddress(ErrorMessage = "Enter an email address like name@example.com.")]
    public string Email { get; set; } = "";

    [BindProperty]
    [Required(ErrorMessage = "Enter your password.")]
    public string Password { get; set; } = "";

    /// <summary>Auth.Api's refusal, in words a visitor can act on.</summary>
    public string? ErrorMessage { get; private set; }

    public bool IsGuest { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        IsGuest = await session.GetAsync(cancellationToken) is { User.IsAnonymous: true };

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var sessionBefore = await session.GetAsync(cancellationToken);
        IsGuest = sessionBefore is { User.IsAnonymous: true };
        if (!ModelState.IsValid)
        {
            return Page();
        }

        AuthSession signedIn;
        try
        {
            signedIn = await auth.SignInAsync(Email.Trim(), Password, cancellationToken);
        }
        catch (ApiErrorException error)
        {
            ErrorMessage = FriendlyMessages.For(error);
            Response.StatusCode = error.StatusCode;
            return Page();
        }

        TempData.ShowSuccess($"Welcome back, {signedIn.User.Name}!");
        return handover.BeginIfGuest(HttpContext, sessionBefore) ? RedirectToPage("/Cart") : RedirectToPage("/Index");
    }
}
