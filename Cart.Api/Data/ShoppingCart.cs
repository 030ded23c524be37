namespace AspireAuth.Cart.Api.Data;

/// <summary>
/// One cart per user (guests included), keyed by the Auth.Api user id. Writers lock
/// the cart row first (<c>SELECT … FOR UPDATE</c>), so concurrent changes apply one after another.
/// </summary>
public sealed class ShoppingCart
{
    public required string UserId { get; set; }

    public List<CartLine> Lines { get; init; } = [];

    public DateTime UpdatedAt { get; set; }
}

public sealed class CartLine
{
    public required string UserId { get; set; }

    public int ProductId { get; init; }

    public int Quantity { get; set; }
}
