using AspireAuth.Caching;
using AspireAuth.Cart.Api.Carts;
using Microsoft.Extensions.Options;

namespace AspireAuth.Cart.Api.Caching;

/// <summary>
/// The carts this process has read, kept coherent with PostgreSQL by the invalidation channel: every cart change
/// commits under a <see cref="ChangeLease"/> (<c>cart:{userId}</c>, <see cref="LeasedCartTransactions"/>), so every
/// replica reads its own and others' changes as if it had queried the database. Only misses open a database context.
/// </summary>
internal sealed class CartCache
{
    /// <summary>Cart invalidations are <c>cart:{userId}</c>.</summary>
    public const string InvalidationKeyspace = "cart";

    /// <summary>Carts held per process (a few hundred bytes each).</summary>
    public const int Capacity = 50_000;

    public CartCache(InvalidationFeed invalidations, CartReader source, IOptions<ChangeLeaseOptions> leases)
    {
        Entries = new CoherentCache<SerializedJson<CartResponse>>(invalidations, InvalidationKeyspace, Capacity, leases.Value.Expiry);
        Func<string, Task<SerializedJson<CartResponse>>> load = source.GetAsync; // one delegate, not one per read
        Load = load!;
    }

    public int Count => Entries.Count;

    internal CoherentCache<SerializedJson<CartResponse>> Entries { get; }

    internal Func<string, Task<SerializedJson<CartResponse>?>> Load { get; }
}

/// <summary>
/// <see cref="ICartReader"/> through the <see cref="CartCache"/>, with the request's sync: a request that looked its
/// session up has synced already, so its cart read waits for no second round trip. After the request changed a cart,
/// the sync is renewed (<see cref="LeasedCartTransactions"/>), so the response shows the change.
/// </summary>
internal sealed class CachedCartReader(CartCache cache, RequestSync requestSync) : ICartReader
{
    public async Task<SerializedJson<CartResponse>> GetAsync(string userId) =>
        (await cache.Entries.GetAsync(userId, cache.Load, requestSync.SyncAsync()))!;
}
