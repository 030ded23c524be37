using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace AspireAuth.Cart.Api.Tests;

[Collection(ShopCollection.Name)]
public sealed class CartApiTests(ShopFixture shop) : IClassFixture<ShopFixture>
{
    [Fact]
    public async Task Catalog_lists_twelve_products_without_a_session()
    {
        var client = shop.CreateShopper();

        using var response = await client.SendCartAsync(HttpMethod.Get, "/api/catalog");
        var products = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(12, products.GetArrayLength());
        Assert.Equal("Trail Running Shoes", products[0].GetProperty("name").GetString());
        Assert.Equal(89.90m, products[0].GetProperty("price").GetDecimal());
        Assert.Equal("/images/products/1.svg", products[0].GetProperty("imagePath").GetString());
    }

    [Fact]
    public async Task An_unknown_product_is_404_with_a_json_error()
    {
        var client = shop.CreateShopper();
        await client.SignInAnonymouslyAsync();

        using var catalog = await client.SendCartAsync(HttpMethod.Get, "/api/catalog/999");
        using var add = await client.SendCartAsync(HttpMethod.Post, "/api/cart/items", new { productId = 999, quantity = 1 });

        await AssertError(catalog, HttpStatusCode.NotFound, "PRODUCT_NOT_FOUND");
        await AssertError(add, HttpStatusCode.NotFound, "PRODUCT_NOT_FOUND");
    }

    [Fact]
    public async Task A_guest_fills_changes_and_empties_a_cart()
    {
        var client = shop.CreateShopper();
        await client.SignInAnonymouslyAsync();

        await client.AddAsync(1, 2);
        var cart = await client.AddAsync(3, 1);
        Assert.Equal([1, 3], cart.Lines.Select(line => line.ProductId));
        Assert.Equal(89.90m * 2 + 24.00m, cart.Total);
        Assert.Equal(3, cart.ItemCount);
        Assert.Equal(179.80m, cart.Lines[0].LineTotal);

        using var set = await client.SendCartAsync(HttpMethod.Put, "/api/cart/items/1", new { quantity = 5 });
        Assert.Equal(5, (await set.Content.ReadFromJsonAsync<CartView>())!.QuantityOf(1));

        using var zero = await client.SendCartAsync(HttpMethod.Put, "/api/cart/items/3", new { quantity = 0 });
        Assert.Equal([1], (await zero.Content.ReadFromJsonAsync<CartView>())!.Lines.Select(line => line.ProductId));

        using var remove = await client.SendCartAsync(HttpMethod.Delete, "/api/cart/items/1");
        Assert.Empty((await remove.Content.ReadFromJsonAsync<CartView>())!.Lines);

        await client.AddAsync(2, 1);
        using var clear = await client.SendCartAsync(HttpMethod.Delete, "/api/cart");
        Assert.Equal(HttpStatusCode.NoContent, clear.StatusCode);
        Assert.Empty((await client.GetCartAsync()).Lines);
    }

    [Fact]
    public async Task Money_keeps_two_decimals_on_the_wire()
    {
        var client = shop.CreateShopper();
        await client.SignInAnonymouslyAsync();
        await client.AddAsync(2, 3);

        using var response = await client.SendCartAsync(HttpMethod.Get, "/api/cart");
        var json = await response.Content.ReadAsStringAsync();

        Assert.Contains("\"price\":14.50,", json, StringComparison.Ordinal);
        Assert.Contains("\"lineTotal\":43.50}", json, StringComparison.Ordinal);
        Assert.Contains("\"total\":43.50,", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Quantities_are_capped_at_99_per_line()
    {
        var client = shop.CreateShopper();
        await client.SignInAnonymouslyAsync();

        await client.AddAsync(1, 60);
        var cart = await client.AddAsync(1, 60);

        Assert.Equal(99, cart.QuantityOf(1));
    }

    [Theory]
    [InlineData("""{"productId":1,"quantity":0}""", "VALIDATION_ERROR")]
    [InlineData("""{"productId":1,"quantity":100}""", "VALIDATION_ERROR")]
    [InlineData("""{"productId":1}""", "VALIDATION_ERROR")]
    [InlineData("""{"quantity":1}""", "VALIDATION_ERROR")]
    [InlineData("""{"productId":"one","quantity":1}""", "VALIDATION_ERROR")]
    [InlineData("""{"productId":1,"quantity":1.5}""", "VALIDATION_ERROR")]
    [InlineData("""{"productId":1,""", "VALIDATION_ERROR")]
    [InlineData("""[1,2]""", "VALIDATION_ERROR")]
    [InlineData("null", "VALIDATION_ERROR")]
    public async Task Invalid_bodies_are_400_and_change_nothing(string body, string code)
    {
        var client = shop.CreateShopper();
        await client.SignInAnonymouslyAsync();
        await client.AddAsync(2, 1);

        using var response = await client.SendCartAsync(HttpMethod.Post, "/api/cart/items", RawJson(body));

        await AssertError(response, HttpStatusCode.BadRequest, code);
        Assert.Equal([(2, 1)], (await client.GetCartAsync()).Lines.Select(line => (line.ProductId, line.Quantity)));
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_415()
    {
        var client = shop.CreateShopper();
        await client.SignInAnonymouslyAsync();

        using var response = await client.SendCartAsync(HttpMethod.Post, "/api/cart/items", new StringContent("productId=1", Encoding.UTF8, "text/plain"));

        await AssertError(response, HttpStatusCode.UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE");
    }

    [Fact]
    public async Task A_huge_body_is_413()
    {
        var client = shop.CreateShopper();
        await client.SignInAnonymouslyAsync();
        var huge = """{"productId":1,"quantity":1}""" + new string(' ', 100_000);

        using var response = await client.SendCartAsync(HttpMethod.Post, "/api/cart/items", RawJson(huge));

        await AssertError(response, HttpStatusCode.RequestEntityTooLarge, "PAYLOAD_TOO_LARGE");
        Assert.Empty((await client.GetCartAsync()).Lines);
    }

    [Fact]
    public async Task A_cart_holds_at_most_50_lines()
    {
        var client = shop.CreateShopper();
        await client.SignInAnonymouslyAsync();
        // 50 distinct products exist only in this test: the seeded catalog has twelve.
        await AspireAuth.TestSupport.Sql.ExecuteAsync(shop.Infrastructure.ConnectionStrings["cartdb"],
            "INSERT INTO product (id, name, price, image_path) SELECT g, 'Test ' || g, 1, '/x.svg' FROM generate_series(1000, 1050) g ON CONFLICT DO NOTHING");

        for (var productId = 1000; productId < 1050; productId++)
        {
            await client.AddAsync(productId, 1);
        }

        using var response = await client.SendCartAsync(HttpMethod.Post, "/api/cart/items", new { productId = 1050, quantity = 1 });

        await AssertError(response, HttpStatusCode.BadRequest, "CART_LINE_LIMIT");
        Assert.Equal(50, (await client.GetCartAsync()).Lines.Length);
    }

    [Fact]
    public async Task Concurrent_additions_to_one_cart_are_all_kept()
    {
        var client = shop.CreateShopper();
        await client.SignInAnonymouslyAsync();

        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.AddAsync(5, 1)));

        Assert.Equal(20, (await client.GetCartAsync()).QuantityOf(5));
    }

    [Fact]
    public async Task Without_a_session_the_cart_is_401()
    {
        var client = shop.CreateShopper();

        using var response = await client.SendCartAsync(HttpMethod.Get, "/api/cart");
        using var forged = await client.SendCartAsync(HttpMethod.Get, "/api/cart", token: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");

        await AssertError(response, HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        await AssertError(forged, HttpStatusCode.Unauthorized, "UNAUTHORIZED");
    }

    [Fact]
    public async Task The_signed_session_cookie_works_like_the_bearer_token()
    {
        var client = shop.CreateShopper();
        await client.SignInAnonymouslyAsync();
        await client.AddAsync(4, 1);
        var signature = Convert.ToBase64String(System.Security.Cryptography.HMACSHA256.HashData(
            Encoding.UTF8.GetBytes(ShopFixture.Secret), Encoding.UTF8.GetBytes(client.Token!)));
        using var http = shop.Cart.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/cart");
        request.Headers.Add("Cookie", $"better-auth.session_token={Uri.EscapeDataString(client.Token + "." + signature)}");

        using var response = await http.SendAsync(request);

        Assert.Equal(4, (await response.Content.ReadFromJsonAsync<CartView>())!.Lines.Single().ProductId);
    }

    [Fact]
    public async Task A_revoked_session_is_rejected_at_once()
    {
        var signedOut = shop.CreateShopper();
        await signedOut.SignInAnonymouslyAsync();
        await signedOut.AddAsync(1, 1);
        var signedOutToken = signedOut.Token!;
        await signedOut.SignOutAsync();

        var forgotten = shop.CreateShopper();
        await forgotten.SignInAnonymouslyAsync();
        var forgottenToken = forgotten.Token!;
        Assert.Equal(HttpStatusCode.OK, await forgotten.ForgetMeAsync());

        var linked = shop.CreateShopper();
        await linked.SignInAnonymouslyAsync();
        var guestToken = linked.Token!;
        await linked.SignUpAsync($"revoked+{Guid.NewGuid():N}@example.com");

        foreach (var token in new[] { signedOutToken, forgottenToken, guestToken })
        {
            using var response = await signedOut.SendCartAsync(HttpMethod.Get, "/api/cart", token: token);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }

    [Fact]
    public async Task Users_see_and_change_only_their_own_cart()
    {
        var alice = shop.CreateShopper();
        await alice.SignInAnonymouslyAsync();
        await alice.AddAsync(1, 3);
        var bob = shop.CreateShopper();
        await bob.SignInAnonymouslyAsync();

        var bobsView = await bob.GetCartAsync();
        await bob.AddAsync(2, 1);
        using var bobRemoves = await bob.SendCartAsync(HttpMethod.Delete, "/api/cart/items/1");
        using var bobClears = await bob.SendCartAsync(HttpMethod.Delete, "/api/cart");

        Assert.Empty(bobsView.Lines);
        Assert.Equal([(1, 3)], (await alice.GetCartAsync()).Lines.Select(line => (line.ProductId, line.Quantity)));
    }

    private static StringContent RawJson(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task AssertError(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {status}, got {response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonDocument.Parse(text).RootElement;
        Assert.Equal(code, body.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("message").GetString()));
    }
}
