using AspireAuth.Web.Services;

namespace AspireAuth.Web;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddRazorPages();
        builder.Services.AddHttpClient<CatalogClient>(client => client.BaseAddress = new("https+http://cart-api"));
    }
}
