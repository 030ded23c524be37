using System.Text.Json;
using AspireAuth.Caching;
using AspireAuth.Cart.Api.Data;
using Microsoft.EntityFrameworkCore;

namespace AspireAuth.Cart.Api.Carts;

/// <summary>Reads carts.</summary>
internal interface ICartReader
{
    /// <summary>The user's cart as its JSON response (an empty cart when the user has none), including this request's own changes.</summary>
    Task<SerializedJson<CartResponse>> GetAsync(string userId);
}

/// <summary>Reads a cart from PostgreSQL, in a database context of its own (<see cref="CartStore"/> changes carts).</summary>
internal sealed class CartReader(IServiceScopeFactory scopes) : ICartReader
{
    // Compiled once: EF would otherwise re-translate the LINQ on every read.
    private static readonly Func<CartDbContext, string, IAsyncEnumerable<CartLineResponse>> CartLinesQuery =
        EF.CompileAsyncQuery((CartDbContext db, string userId) => db.CartLines
            .Where(line => line.UserId == userId)
            .OrderBy(line => line.ProductId)
            .Join(db.Products, line => line.ProductId, product => product.Id,
                // Line totals in C#, not SQL: money keeps the catalog's two decimals (SQL would widen the scale).
                (line, product) => new CartLineResponse(product.Id, product.Name, product.Price, product.ImagePath, line.Quantity, 0m))
            .AsNoTracking());

    public async Task<SerializedJson<CartResponse>> GetAsync(string userId)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CartDbContext>();
        var lines = new List<CartLineResponse>();
        await foreach (var line in CartLinesQuery(db, userId))
        {
            lines.Add(line with { LineTotal = line.Price * line.Quantity });
        }

        return new SerializedJson<CartResponse>(JsonSerializer.SerializeToUtf8Bytes(CartResponse.From(lines), CartJsonContext.Default.CartResponse));
    }
}
