namespace AspireAuth.Cart.Api.Data;

/// <summary>One cart per user (anonymous users included), keyed by the Auth.Api user id.</summary>
public sealed class ShoppingCart
{
    public const int MaxLines = 50;
    public const int MaxQuantity = 99;

    public required string UserId { get; set; }

    public List<CartLine> Lines { get; init; } = [];

    public DateTime UpdatedAt { get; set; }

    /// <summary>PostgreSQL's <c>xmin</c>: concurrent writers to one cart retry instead of overwriting each other.</summary>
    public uint Version { get; set; }
}

public sealed class CartLine
{
    public required string UserId { get; set; }

    public int ProductId { get; init; }

    public int Quantity { get; set; }
}
