using AspireAuth.Web.Backends;
using AspireAuth.Web.Infrastructure;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AspireAuth.Web.Pages;

/// <summary>A guest can leave no trace: their cart and their anonymous user are deleted, and they have no session again.</summary>
public sealed class ForgetMeModel(VisitorSession session, AuthApiClient auth, CartApiClient cartApi) : PageModel
{
    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (await session.GetAsync(cancellationToken) is not { User.IsAnonymous: true })
        {
            return RedirectToPage("/Index");
        }

        await cartApi.ClearAsync(cancellationToken);
        await auth.DeleteAnonymousUserAsync(cancellationToken);
        TempData.ShowSuccess("Done: your guest session and cart are deleted.");
        return RedirectToPage("/Index");
    }
}
