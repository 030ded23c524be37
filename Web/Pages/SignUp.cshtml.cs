using System.ComponentModel.DataAnnotations;
using AspireAuth.Web.Backends;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace AspireAuth.Web.Pages;

public sealed class SignUpModel(VisitorSession session, AuthApiClient auth, GuestCartTakeover takeover, IOptions<SocialSignInOptions> social)
    : CredentialPageModel(session, auth, takeover, social)
{
    [BindProperty]
    [Required(ErrorMessage = "Enter your name.")]
    [StringLength(100, ErrorMessage = "Keep your name to 100 characters.")]
    public string Name { get; set; } = "";

    [BindProperty]
    [Required(ErrorMessage = "Enter your email address.")]
    [EmailAddress(ErrorMessage = "Enter an email address like name@example.com.")]
    public string Email { get; set; } = "";

    [BindProperty]
    [Required(ErrorMessage = "Choose a password.")]
    [StringLength(128, MinimumLength = 8, ErrorMessage = "Choose a password of 8 to 128 characters.")]
    public string Password { get; set; } = "";

    public Task<IActionResult> OnPostAsync(CancellationToken cancellationToken) =>
        SubmitAsync(
            token => Auth.SignUpAsync(Name.Trim(), Email.Trim(), Password, token),
            signedUp => $"Welcome, {signedUp.User.Name}! Your account is ready.",
            cancellationToken);
}
