using System.Text.Json;
using System.Text.Json.Serialization;

namespace AspireAuth.Cart.Api.Carts;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(AddCartItemRequest))]
[JsonSerializable(typeof(SetCartItemQuantityRequest))]
[JsonSerializable(typeof(CartResponse))]
[JsonSerializable(typeof(TakeoverStatusResponse))]
[JsonSerializable(typeof(ProductResponse))]
[JsonSerializable(typeof(ProductResponse[]))]
internal sealed partial class CartJsonContext : JsonSerializerContext;
