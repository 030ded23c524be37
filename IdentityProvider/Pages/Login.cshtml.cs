using System.Security.Claims;
using AspireAuth.IdentityProvider.Authorization;
using AspireAuth.IdentityProvider.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AspireAuth.IdentityProvider.Pages;

/// <summary>Signs a seeded user in (the cookie), then goes back to the authorization request that sent them here.</summary>
public sealed class LoginModel(UserDirectory users) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty]
    public string? Email { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    public string? ErrorMessage { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var user = string.IsNullOrWhiteSpace(Email) || string.IsNullOrEmpty(Password) ? null : users.FindByCredentials(Email, Password);
        if (user is null)
        {
            ErrorMessage = "Wrong email or password.";
            Password = null;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        var identity = new ClaimsIdentity([new Claim(Claims.Subject, user.Subject), new Claim(Claims.Name, user.Name)],
            TrailheadDefaults.CookieScheme, Claims.Name, Claims.Role);
        await HttpContext.SignInAsync(TrailheadDefaults.CookieScheme, new ClaimsPrincipal(identity));

        // Only back into this site: an open redirect would hand the signed-in browser to anyone's page.
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/");
    }
}
