using System.ComponentModel.DataAnnotations;
using AspireAuth.Web.Backends;
using Microsoft.AspNetCore.Mvc;

namespace AspireAuth.Web.Pages;

public sealed class SignInModel(VisitorSession session, AuthApiClient auth, GuestCartTakeover takeover)
    : CredentialPageModel(session, takeover)
{
    [BindProperty]
    [Required(ErrorMessage = "Enter your email address.")]
    [EmailAddress(ErrorMessage = "Enter an email address like name@example.com.")]
    public string Email { get; set; } = "";

    [BindProperty]
    [Required(ErrorMessage = "Enter your password.")]
    public string Password { get; set; } = "";

    public Task<IActionResult> OnPostAsync(CancellationToken cancellationToken) =>
        SubmitAsync(
            token => auth.SignInAsync(Email.Trim(), Password, token),
            signedIn => $"Welcome back, {signedIn.User.Name}!",
            cancellationToken);
}
