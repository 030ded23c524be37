using AspireAuth.CartContracts;

namespace AspireAuth.Web.Backends;

/// <summary>Cart.Api's catalog and cart endpoints, called server-side with the visitor's session cookie.</summary>
public sealed class CartApiClient(HttpClient http, BrowserRelay browser, BackendLiveness liveness) : BackendClient(http, browser, liveness, ServiceName)
{
    public const string ServiceName = "cart-api";

    public async Task<IReadOnlyList<ProductResponse>> GetProductsAsync(CancellationToken cancellationToken) =>
        await SendAsync<ProductResponse[]>(HttpMethod.Get, "/api/catalog", body: null, cancellationToken);

    public Task<CartResponse> GetCartAsync(CancellationToken cancellationToken) =>
        SendAsync<CartResponse>(HttpMethod.Get, "/api/cart", body: null, cancellationToken);

    public Task<CartResponse> AddItemAsync(int productId, int quantity, CancellationToken cancellationToken) =>
        SendAsync<CartResponse>(HttpMethod.Post, "/api/cart/items", new AddCartItemRequest(productId, quantity), cancellationToken);

    /// <summary>Sets a line's quantity; 0 removes the line.</summary>
    public Task<CartResponse> SetQuantityAsync(int productId, int quantity, CancellationToken cancellationToken) =>
        SendAsync<CartResponse>(HttpMethod.Put, $"/api/cart/items/{productId}", new SetCartItemQuantityRequest(quantity), cancellationToken);

    public Task<CartResponse> RemoveItemAsync(int productId, CancellationToken cancellationToken) =>
        SendAsync<CartResponse>(HttpMethod.Delete, $"/api/cart/items/{productId}", body: null, cancellationToken);

    public Task ClearAsync(CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, "/api/cart", cancellationToken);

    /// <summary>True until the caller's account has taken over the guest cart of <paramref name="guestUserId"/>.</summary>
    public async Task<bool> IsTakeoverPendingAsync(string guestUserId, CancellationToken cancellationToken) =>
        (await SendAsync<TakeoverStatusResponse>(HttpMethod.Get, $"/api/cart/merge-status?from={Uri.EscapeDataString(guestUserId)}", body: null, cancellationToken)).Pending;
}
