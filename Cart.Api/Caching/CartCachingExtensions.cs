using AspireAuth.Caching;
using AspireAuth.Cart.Api.Carts;

namespace AspireAuth.Cart.Api.Caching;

internal static class CartCachingExtensions
{
    /// <summary>
    /// Reads carts through the <see cref="CartCache"/> and changes them under change leases when <c>Caching:Enabled</c>
    /// is on; straight from and to PostgreSQL when it is off. Call after the database migration is registered.
    /// </summary>
    public static IHostApplicationBuilder AddCartReadsAndChanges(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<CartReader>();
        builder.AddCaching();
        if (!CachingOptions.IsEnabled(builder.Configuration))
        {
            services.AddSingleton<ICartReader>(provider => provider.GetRequiredService<CartReader>());
            services.AddScoped<ICartTransactions, CartTransactions>();
            return builder;
        }

        services.AddSingleton<CartCache>();
        services.AddScoped<ICartReader, CachedCartReader>();
        services.AddScoped<ICartTransactions, LeasedCartTransactions>();
        services.AddHostedService<CatalogChangeAnnouncement>();
        return builder;
    }
}
