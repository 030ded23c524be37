using AspireAuth.Web.Backends;
using Microsoft.AspNetCore.Mvc;

namespace AspireAuth.Web.ViewComponents;

/// <summary>The header's link to the cart, with the number of items in it.</summary>
public sealed class CartLinkViewComponent(VisitorSession session, CartApiClient cartApi, ServiceOutages outages) : ViewComponent
{
    /// <summary>A page that has loaded the cart already puts its item count here, sparing a second call.</summary>
    public const string KnownItemCountKey = "CartLink.ItemCount";

    /// <summary>A page waiting for a cart takeover puts true here: any count now would be wrong a moment later.</summary>
    public const string CountPendingKey = "CartLink.CountPending";

    public async Task<IViewComponentResult> InvokeAsync()
    {
        if (ViewData[CountPendingKey] is true)
        {
            return View((int?)null);
        }

        if (ViewData[KnownItemCountKey] is int knownItemCount)
        {
            return View((int?)knownItemCount);
        }

        try
        {
            var itemCount = await session.GetAsync(HttpContext.RequestAborted) is null
                ? 0
                : (await cartApi.GetCartAsync(HttpContext.RequestAborted)).ItemCount;
            return View((int?)itemCount);
        }
        catch (ServiceUnavailableException outage)
        {
            outages.Report(outage);
            return View((int?)null);
        }
        catch (ApiErrorException)
        {
            // The session ended between the two calls: an empty cart is the truth for this visitor.
            return View((int?)0);
        }
    }
}
