using AspireAuth.Web.Services;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AspireAuth.Web.Pages;

public sealed class IndexModel(CatalogClient catalog) : PageModel
{
    public IReadOnlyList<Product> Products { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Products = await catalog.GetProductsAsync(cancellationToken);
}
