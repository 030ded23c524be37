using System.Text.Json;
using AspireAuth.Caching;
using AspireAuth.Cart.Api.Data;
using AspireAuth.ServiceDefaults.ApiErrors;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AspireAuth.Cart.Api.Carts;

/// <summary>
/// Reads carts through an in-process cache kept coherent with PostgreSQL by the invalidation
/// channel: <see cref="CartStore"/> announces every change under a <see cref="ChangeLease"/>
/// (<c>cart:{userId}</c>), so every replica reads its own and others' changes as if it had
/// queried the database. Only misses open a database context.
/// </summary>
internal sealed class CartReader(InvalidationFeed invalidations, IServiceScopeFactory scopes, IOptions<ChangeLeaseOptions> leases)
{
    /// <summary>Cart invalidations are <c>cart:{userId}</c>.</summary>
    public const string InvalidationKeyspace = "cart";

    /// <summary>Carts held per process (a few hundred bytes each).</summary>
    public const int CacheCapacity = 50_000;

    // Compiled once: EF would otherwise re-translate the LINQ on every miss.
    private static readonly Func<CartDbContext, string, IAsyncEnumerable<CartLineResponse>> CartLinesQuery =
        EF.CompileAsyncQuery((CartDbContext db, string userId) => db.CartLines
            .Where(line => line.UserId == userId)
            .OrderBy(line => line.ProductId)
            .Join(db.Products, line => line.ProductId, product => product.Id,
                // Line totals in C#, not SQL: money keeps the catalog's two decimals (SQL would widen the scale).
                (line, product) => new CartLineResponse(product.Id, product.Name, product.Price, product.ImagePath, line.Quantity, 0m))
            .AsNoTracking());

    private readonly CoherentCache<SerializedJson<CartResponse>> _cache = new(invalidations, InvalidationKeyspace, CacheCapacity, leases.Value.Expiry);
    private Func<string, Task<SerializedJson<CartResponse>?>>? _load; // one delegate, not one per read

    public int CachedCarts => _cache.Count;

    /// <summary>The user's cart as its JSON response (an empty cart when the user has none), as of the request's start.</summary>
    public async Task<SerializedJson<CartResponse>> GetAsync(string userId, RequestSync requestSync) =>
        (await _cache.GetAsync(userId, _load ??= LoadAsync, requestSync.SyncAsync()))!;

    /// <summary>The user's cart including the change this request just made.</summary>
    public async Task<SerializedJson<CartResponse>> GetAfterChangeAsync(string userId) =>
        (await _cache.GetAsync(userId, _load ??= LoadAsync))!;

    private async Task<SerializedJson<CartResponse>?> LoadAsync(string userId)
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
