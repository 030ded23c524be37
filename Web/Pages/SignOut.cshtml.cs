using AspireAuth.Web.Backends;
using AspireAuth.Web.Infrastructure;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AspireAuth.Web.Pages;

public sealed class SignOutModel(AuthApiClient auth) : PageModel
{
    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        await auth.SignOutAsync(cancellationToken);
        TempData.ShowSuccess("You're signed out. See you on the trail!");
        return RedirectToPage("/Index");
    }
}
