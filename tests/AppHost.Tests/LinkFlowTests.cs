using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace AspireAuth.AppHost.Tests;

/// <summary>The whole app as Aspire runs it: a guest's cart follows them into their new account.</summary>
[Collection(AspireAppCollection.Name)]
public sealed class LinkFlowTests(AspireAppFixture fixture)
{
    [Fact]
    public async Task A_guest_cart_is_in_the_new_account_within_two_seconds_of_sign_up()
    {
        using var auth = fixture.App.CreateHttpClient("auth-api");
        using var cart = fixture.App.CreateHttpClient("cart-api");
        var guest = await ShopperFlows.SignInAnonymouslyAsync(auth);
        await ShopperFlows.AddToCartAsync(cart, guest, 1, 2);
        await ShopperFlows.AddToCartAsync(cart, guest, 5, 1);

        var customer = await ShopperFlows.SignUpAsync(auth, guest, $"flow+{Guid.NewGuid():N}@example.com");
        var merged = await ShopperFlows.WaitForCartAsync(cart, customer, lines => lines.Count == 2, TimeSpan.FromSeconds(2));

        Assert.Equal([(1, 2), (5, 1)], merged);
        using var guestCart = new HttpRequestMessage(HttpMethod.Get, "/api/cart");
        guestCart.Headers.Authorization = new AuthenticationHeaderValue("Bearer", guest);
        using var rejected = await cart.SendAsync(guestCart);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, rejected.StatusCode);
    }
}

internal static class ShopperFlows
{
    public static async Task<string> SignInAnonymouslyAsync(HttpClient auth)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/sign-in/anonymous");
        AddOwnOrigin(auth, request);
        using var response = await auth.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    public static async Task<string> SignUpAsync(HttpClient auth, string guestToken, string email)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/sign-up/email")
        {
            Content = JsonContent.Create(new { name = "Casey", email, password = "correct-horse-battery" }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", guestToken);
        AddOwnOrigin(auth, request);
        using var response = await auth.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"sign-up: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    /// <summary>Aspire's test clients keep cookies like a browser, so they must also send an Origin like one.</summary>
    private static void AddOwnOrigin(HttpClient auth, HttpRequestMessage request) =>
        request.Headers.Add("Origin", auth.BaseAddress!.GetLeftPart(UriPartial.Authority));

    public static async Task AddToCartAsync(HttpClient cart, string token, int productId, int quantity)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/cart/items") { Content = JsonContent.Create(new { productId, quantity }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await cart.SendAsync(request);
        response.EnsureSuccessStatusCode();
    }

    public static async Task<List<(int ProductId, int Quantity)>> GetCartAsync(HttpClient cart, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/cart");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await cart.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("lines").EnumerateArray()
            .Select(line => (line.GetProperty("productId").GetInt32(), line.GetProperty("quantity").GetInt32()))
            .ToList();
    }

    public static async Task<List<(int ProductId, int Quantity)>> WaitForCartAsync(
        HttpClient cart, string token, Func<List<(int ProductId, int Quantity)>, bool> condition, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        var lines = await GetCartAsync(cart, token);
        while (!condition(lines))
        {
            try
            {
                await tick.WaitForNextTickAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"The cart did not reach the expected state within {timeout}: {string.Join(", ", lines)}");
            }

            lines = await GetCartAsync(cart, token);
        }

        return lines;
    }
}
