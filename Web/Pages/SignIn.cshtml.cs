using System.ComponentModel.DataAnnotations;
using AspireAuth.Web.Backends;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace AspireAuth.Web.Pages;

public sealed class SignInModel(VisitorSession session, AuthApiClient auth, GuestCartTakeover takeover, IOptions<SocialSignInOptions> social)
    : CredentialPageModel(session, auth, takeover, social)
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
            token => Auth.SignInAsync(Email.Trim(), Password, token),
            signedIn => $"Welcome back, {signedIn.User.Name}!",
            cancellationToken);
}
