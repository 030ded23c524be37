using System.Text.Json;

namespace AspireAuth.Cart.Api.Tests;

/// <summary>Cart.Api's OpenAPI document is a contract: clients are generated from its paths and schema names.</summary>
[Collection(ShopCollection.Name)]
public sealed class OpenApiDocumentTests(ShopFixture shop) : IClassFixture<ShopFixture>
{
    [Fact]
    public async Task The_document_keeps_its_paths_and_schema_names()
    {
        using var client = shop.Cart.CreateClient();
        using var document = JsonDocument.Parse(await client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)));

        var paths = document.RootElement.GetProperty("paths").EnumerateObject().Select(path => path.Name).ToList();
        Assert.Contains("/api/cart/merge-status", paths);
        Assert.Contains("/api/cart/items", paths);

        var schemas = document.RootElement.GetProperty("components").GetProperty("schemas").EnumerateObject().Select(schema => schema.Name).ToList();
        Assert.Contains("MergeStatusResponse", schemas);
        Assert.Contains("CartResponse", schemas);
        Assert.DoesNotContain("TakeoverStatusResponse", schemas);
    }
}
