using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace AspireAuth.Cart.Api.Tests;

/// <summary>A shopper: one bearer session at a time, against both APIs.</summary>
public sealed class ShopClient(HttpClient auth, HttpClient cart)
{
    public string? Token { get; private set; }

    public string? UserId { get; private set; }

    public async Task<string> SignInAnonymouslyAsync() =>
        await RememberAsync(await SendAuthAsync(HttpMethod.Post, "/api/auth/sign-in/anonymous", null));

    public async Task<string> SignUpAsync(string email, string name = "Alice") =>
        await RememberAsync(await SendAuthAsync(HttpMethod.Post, "/api/auth/sign-up/email",
            new { name, email, password = "correct-horse-battery" }));

    public async Task<string> SignInAsync(string email) =>
        await RememberAsync(await SendAuthAsync(HttpMethod.Post, "/api/auth/sign-in/email",
            new { email, password = "correct-horse-battery" }));

    public async Task<HttpStatusCode> SignOutAsync()
    {
        using var response = await SendAuthAsync(HttpMethod.Post, "/api/auth/sign-out", null);
        return response.StatusCode;
    }

    public async Task<HttpStatusCode> ForgetMeAsync()
    {
        using var response = await SendAuthAsync(HttpMethod.Post, "/api/auth/delete-anonymous-user", null);
        return response.StatusCode;
    }

    public Task<HttpResponseMessage> SendCartAsync(HttpMethod method, string path, object? body = null, string? token = null)
    {
        var request = new HttpRequestMessage(method, path);
        if ((token ?? Token) is { } bearer)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        request.Content = body switch
        {
            null => null,
            HttpContent content => content,
            _ => JsonContent.Create(body),
        };

        return cart.SendAsync(request);
    }

    public async Task<CartView> AddAsync(int productId, int quantity)
    {
        using var response = await SendCartAsync(HttpMethod.Post, "/api/cart/items", new { productId, quantity });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<CartView>())!;
    }

    public async Task<CartView> GetCartAsync(string? token = null)
    {
        using var response = await SendCartAsync(HttpMethod.Get, "/api/cart", token: token);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<CartView>())!;
    }

    /// <summary>Polls the cart until it satisfies <paramref name="condition"/>, failing after <paramref name="timeout"/>.</summary>
    public async Task<CartView> WaitForCartAsync(Func<CartView, bool> condition, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        CartView cart;
        do
        {
            cart = await GetCartAsync();
            if (condition(cart))
            {
                return cart;
            }
        }
        while (await WaitTickAsync(tick, deadline.Token));

        throw new TimeoutException($"The cart did not reach the expected state within {timeout}; last seen: {JsonSerializer.Serialize(cart)}");
    }

    private static async Task<bool> WaitTickAsync(PeriodicTimer tick, CancellationToken cancellationToken)
    {
        try
        {
            return await tick.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private Task<HttpResponseMessage> SendAuthAsync(HttpMethod method, string path, object? body)
    {
        var request = new HttpRequestMessage(method, path);
        if (Token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return auth.SendAsync(request);
    }

    private async Task<string> RememberAsync(HttpResponseMessage response)
    {
        using (response)
        {
            response.EnsureSuccessStatusCode();
            var json = await response.Content.ReadFromJsonAsync<JsonElement>();
            Token = json.GetProperty("token").GetString();
            UserId = json.GetProperty("user").GetProperty("id").GetString();
            return UserId!;
        }
    }
}

public sealed record CartView(CartLineView[] Lines, decimal Total, int ItemCount)
{
    public int QuantityOf(int productId) => Lines.FirstOrDefault(line => line.ProductId == productId)?.Quantity ?? 0;
}

public sealed record CartLineView(int ProductId, string Name, decimal Price, string ImagePath, int Quantity, decimal LineTotal);
