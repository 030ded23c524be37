namespace AspireAuth.CartContracts;

// Cart.Api's HTTP contract (camelCase JSON), shared by Cart.Api and the storefront that calls it.

/// <summary>What a cart holds at most: Cart.Api enforces it, the storefront's forms offer no more.</summary>
public static class CartLimits
{
    public const int MaxLines = 50;

    public const int MaxQuantity = 99;
}

/// <summary><c>POST /api/cart/items</c>. Both fields nullable so that a missing one is a clear 400, not a 0.</summary>
public sealed record AddCartItemRequest(int? ProductId, int? Quantity);

/// <summary><c>PUT /api/cart/items/{productId}</c>; 0 removes the line.</summary>
public sealed record SetCartItemQuantityRequest(int? Quantity);

public sealed record ProductResponse(int Id, string Name, decimal Price, string ImagePath);

public sealed record CartLineResponse(int ProductId, string Name, decimal Price, string ImagePath, int Quantity, decimal LineTotal);

public sealed record CartResponse(IReadOnlyList<CartLineResponse> Lines, decimal Total, int ItemCount)
{
    public static CartResponse Empty { get; } = From([]);

    public static CartResponse From(IReadOnlyList<CartLineResponse> lines) =>
        new(lines, lines.Sum(line => line.LineTotal), lines.Sum(line => line.Quantity));
}

/// <summary>The answer of <c>GET /api/cart/merge-status</c>: whether the caller's account has yet to take over a guest's cart.</summary>
public sealed record TakeoverStatusResponse(bool Pending);
