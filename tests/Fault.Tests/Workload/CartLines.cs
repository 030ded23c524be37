using System.Text.Json;

namespace AspireAuth.Fault.Tests.Workload;

/// <summary>Cart.Api's cart answer as product id → quantity.</summary>
internal static class CartLines
{
    public static IReadOnlyDictionary<int, int> Parse(string cartJson)
    {
        using var cart = JsonDocument.Parse(cartJson);
        return cart.RootElement.GetProperty("lines").EnumerateArray()
            .ToDictionary(line => line.GetProperty("productId").GetInt32(), line => line.GetProperty("quantity").GetInt32());
    }

    public static string Format(IReadOnlyDictionary<int, int>? lines) =>
        lines is null ? "(no account)" : lines.Count == 0 ? "(empty)" : string.Join(", ", lines.OrderBy(line => line.Key).Select(line => $"{line.Key}×{line.Value}"));
}
