using System.ComponentModel.DataAnnotations;
using AspireAuth.CartContracts;
using AspireAuth.Web.Backends;
using AspireAuth.Web.Infrastructure;
using AspireAuth.Web.ViewComponents;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AspireAuth.Web.Pages;

public sealed class CartModel(VisitorSession session, CartApiClient cartApi, GuestCartTakeover takeover) : PageModel
{
    /// <summary>Null while the guest cart is still moving, or when Cart.Api could not be asked.</summary>
    public CartResponse? Cart { get; private set; }

    /// <summary>A guest just signed up or in and their account has not taken over their guest cart yet: wait, never show a cart that fills in later.</summary>
    public bool MovingGuestCart { get; private set; }

    public bool GuestCartOverdue { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        if (takeover.Find(Request) is { } pending)
        {
            if (takeover.IsOverdue(pending))
            {
                takeover.End(HttpContext);
                GuestCartOverdue = true;
            }
            else if (await IsTakeoverPendingAsync(pending, cancellationToken))
            {
                takeover.KeepWaiting(HttpContext, pending);
                MovingGuestCart = true;
                ViewData[CartLinkViewComponent.CountPendingKey] = true;
                return;
            }
            else
            {
                takeover.End(HttpContext);
            }
        }

        Cart = await LoadCartAsync(cancellationToken);
        ViewData[CartLinkViewComponent.KnownItemCountKey] = Cart.ItemCount;
    }

    public Task<IActionResult> OnPostUpdateAsync(int productId, [Range(1, CartLimits.MaxQuantity)] int quantity, CancellationToken cancellationToken) =>
        ChangeCartAsync(() => cartApi.SetQuantityAsync(productId, quantity, cancellationToken), "Your cart is updated.");

    public Task<IActionResult> OnPostRemoveAsync(int productId, CancellationToken cancellationToken) =>
        ChangeCartAsync(() => cartApi.RemoveItemAsync(productId, cancellationToken), "The item is removed from your cart.");

    private async Task<IActionResult> ChangeCartAsync(Func<Task<CartResponse>> change, string success)
    {
        if (!ModelState.IsValid)
        {
            TempData.ShowProblem(FriendlyMessages.QuantityOutOfRange);
        }
        else
        {
            try
            {
                await change();
                TempData.ShowSuccess(success);
            }
            catch (ApiErrorException error)
            {
                TempData.ShowProblem(FriendlyMessages.For(error));
            }
        }

        return RedirectToPage();
    }

    private async Task<bool> IsTakeoverPendingAsync(PendingCartTakeover pending, CancellationToken cancellationToken)
    {
        try
        {
            return await cartApi.IsTakeoverPendingAsync(pending.AnonymousUserId, cancellationToken);
        }
        catch (ApiErrorException)
        {
            // No session any more (signed out meanwhile): there is nothing to wait for.
            return false;
        }
    }

    private async Task<CartResponse> LoadCartAsync(CancellationToken cancellationToken)
    {
        if (await session.GetAsync(cancellationToken) is null)
        {
            return CartResponse.Empty;
        }

        try
        {
            return await cartApi.GetCartAsync(cancellationToken);
        }
        catch (ApiErrorException error) when (error.StatusCode == StatusCodes.Status401Unauthorized)
        {
            return CartResponse.Empty;
        }
    }
}
