using AspireAuth.Cart.Api.Data;
using AspireAuth.ServiceDefaults.ApiErrors;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace AspireAuth.Cart.Api.Catalog;

internal static class CatalogApi
{
    public static IEndpointRouteBuilder MapCatalogApi(this IEndpointRouteBuilder app)
    {
        var catalog = app.MapGroup("/api/catalog").WithTags("Catalog");
        catalog.MapGet("/", GetProducts);
        catalog.MapGet("/{id:int}", GetProduct);
        return app;
    }

    private static async Task<Ok<ProductResponse[]>> GetProducts(CartDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok(await db.Products.AsNoTracking().OrderBy(p => p.Id)
            .Select(p => new ProductResponse(p.Id, p.Name, p.Price, p.ImagePath))
            .ToArrayAsync(cancellationToken));

    private static async Task<Results<Ok<ProductResponse>, JsonHttpResult<ApiError>>> GetProduct(int id, CartDbContext db, CancellationToken cancellationToken) =>
        await db.Products.AsNoTracking().Where(p => p.Id == id)
            .Select(p => new ProductResponse(p.Id, p.Name, p.Price, p.ImagePath))
            .FirstOrDefaultAsync(cancellationToken) is { } product
            ? TypedResults.Ok(product)
            : CartErrors.ProductNotFound();
}
