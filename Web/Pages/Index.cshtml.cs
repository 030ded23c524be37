using System.ComponentModel.DataAnnotations;
using AspireAuth.CartContracts;
using AspireAuth.Web.Backends;
using AspireAuth.Web.Infrastructure;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AspireAuth.Web.Pages;

public sealed class IndexModel(CartApiClient cartApi, VisitorSession session, ServiceOutages outages) : PageModel
{
    public IReadOnlyList<ProductResponse> Products { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Products = await cartApi.GetProductsAsync(cancellationToken);

    public async Task<IActionResult> OnPostAddAsync(int productId, [Range(1, CartLimits.MaxQuantity)] int quantity, CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid)
        {
            TempData.ShowProblem(FriendlyMessages.QuantityOutOfRange);
            return RedirectToPage();
        }

        try
        {
            // A visitor's first add signs them in as a guest: shopping needs no account and no extra click.
            await session.EnsureAsync(cancellationToken);
            var cart = await cartApi.AddItemAsync(productId, quantity, cancellationToken);
            var name = cart.Lines.FirstOrDefault(line => line.ProductId == productId)?.Name ?? "The item";
            TempData.ShowSuccess($"Added {quantity} × {name} to your cart.");
        }
        catch (ApiErrorException error)
        {
            TempData.ShowProblem(FriendlyMessages.For(error));
        }
        catch (ServiceUnavailableException outage)
        {
            // Show the catalog with the banner when only the add failed (e.g. Auth.Api down, Cart.Api up).
            outages.Report(outage);
            Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            Products = await cartApi.GetProductsAsync(cancellationToken);
            return Page();
        }

        return RedirectToPage();
    }
}
