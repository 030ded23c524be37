using AspireAuth.Web.Backends;
using Microsoft.AspNetCore.Mvc;

namespace AspireAuth.Web.ViewComponents;

public sealed record AccountMenuModel(AuthSession? Session, bool Unavailable);

/// <summary>The header's account area: "Guest" for an anonymous session, the name for a real one, sign-in links without one.</summary>
public sealed class AccountMenuViewComponent(VisitorSession session, ServiceOutages outages) : ViewComponent
{
    public async Task<IViewComponentResult> InvokeAsync()
    {
        try
        {
            return View(new AccountMenuModel(await session.GetAsync(HttpContext.RequestAborted), Unavailable: false));
        }
        catch (ServiceUnavailableException outage)
        {
            outages.Report(outage);
            return View(new AccountMenuModel(Session: null, Unavailable: true));
        }
    }
}
