namespace AspireAuth.Web.Backends;

public sealed record Product(int Id, string Name, decimal Price, string ImagePath);

public sealed record CartLine(int ProductId, string Name, decimal Price, string ImagePath, int Quantity, decimal LineTotal);

public sealed record ShoppingCart(IReadOnlyList<CartLine> Lines, decimal Total, int ItemCount)
{
    public static readonly ShoppingCart Empty = new([], 0m, 0);
}

/// <summary>Cart.Api's catalog and cart endpoints, called server-side with the visitor's session cookie.</summary>
public sealed class CartApiClient(HttpClient http, BrowserRelay browser) : BackendClient(http, browser, ServiceName)
{
    public const string ServiceName = "cart-api";

    public const int MaxQuantity = 99;

    private sealed record AddItemRequest(int ProductId, int Quantity);

    private sealed record SetQuantityRequest(int Quantity);

    private sealed record TakeoverStatus(bool Pending);

    public async Task<IReadOnlyList<Product>> GetProductsAsync(CancellationToken cancellationToken) =>
        await SendAsync<Product[]>(HttpMethod.Get, "/api/catalog", body: null, cancellationToken);

    public Task<ShoppingCart> GetCartAsync(CancellationToken cancellationToken) =>
        SendAsync<ShoppingCart>(HttpMethod.Get, "/api/cart", body: null, cancellationToken);

    public Task<ShoppingCart> AddItemAsync(int productId, int quantity, CancellationToken cancellationToken) =>
        SendAsync<ShoppingCart>(HttpMethod.Post, "/api/cart/items", new AddItemRequest(productId, quantity), cancellationToken);

    /// <summary>Sets a line's quantity; 0 removes the line.</summary>
    public Task<ShoppingCart> SetQuantityAsync(int productId, int quantity, CancellationToken cancellationToken) =>
        SendAsync<ShoppingCart>(HttpMethod.Put, $"/api/cart/items/{productId}", new SetQuantityRequest(quantity), cancellationToken);

    public Task<ShoppingCart> RemoveItemAsync(int productId, CancellationToken cancellationToken) =>
        SendAsync<ShoppingCart>(HttpMethod.Delete, $"/api/cart/items/{productId}", body: null, cancellationToken);

    public Task ClearAsync(CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, "/api/cart", cancellationToken);

    /// <summary>True until the caller's account has taken over the guest cart of <paramref name="anonymousUserId"/>.</summary>
    public async Task<bool> IsTakeoverPendingAsync(string anonymousUserId, CancellationToken cancellationToken) =>
        (await SendAsync<TakeoverStatus>(HttpMethod.Get, $"/api/cart/merge-status?from={Uri.EscapeDataString(anonymousUserId)}", body: null, cancellationToken)).Pending;
}
