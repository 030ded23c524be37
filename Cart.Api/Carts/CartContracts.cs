using System.Text.Json;
using System.Text.Json.Serialization;
using AspireAuth.Cart.Api.Catalog;

namespace AspireAuth.Cart.Api.Carts;

public sealed record AddCartItemRequest(int? ProductId, int? Quantity);

public sealed record SetCartItemQuantityRequest(int? Quantity);

public sealed record CartLineResponse(int ProductId, string Name, decimal Price, string ImagePath, int Quantity, decimal LineTotal);

public sealed record CartResponse(IReadOnlyList<CartLineResponse> Lines, decimal Total, int ItemCount)
{
    public static CartResponse From(IReadOnlyList<CartLineResponse> lines) =>
        new(lines, lines.Sum(line => line.LineTotal), lines.Sum(line => line.Quantity));
}

/// <summary>The answer of <c>GET /api/cart/merge-status</c>: whether the caller's account has yet to take over a guest's cart.</summary>
public sealed record TakeoverStatusResponse(bool Pending);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(AddCartItemRequest))]
[JsonSerializable(typeof(SetCartItemQuantityRequest))]
[JsonSerializable(typeof(CartResponse))]
[JsonSerializable(typeof(TakeoverStatusResponse))]
[JsonSerializable(typeof(ProductResponse))]
[JsonSerializable(typeof(ProductResponse[]))]
internal sealed partial class CartJsonContext : JsonSerializerContext;
