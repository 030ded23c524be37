using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using AspireAuth.TestSupport;
using Microsoft.AspNetCore.Mvc.Testing;

namespace AspireAuth.Cart.Api.Tests;

/// <summary>
/// While Redis or PostgreSQL is down, both APIs say so (503, <c>Retry-After</c>, the usual JSON error),
/// never 500; once it is back, the same session works again without a restart.
/// </summary>
[Collection(ShopCollection.Name)]
public sealed class DataStoreOutageTests(ShopFixture shop) : IClassFixture<ShopFixture>
{
    private static readonly TimeSpan RecoveryTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task While_Redis_is_down_both_APIs_answer_503_with_Retry_After_and_recover_when_it_is_back()
    {
        var shopper = shop.CreateShopper();
        await shopper.SignInAnonymouslyAsync();
        await shopper.AddAsync(productId: 1, quantity: 2);
        var auth = shop.Auth.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });

        await shop.Infrastructure.StopServerAsync("redis");
        try
        {
            using (var session = await GetSessionAsync(auth, shopper.Token!))
            {
                await AssertUnavailableAsync(session);
            }

            using (var cart = await shopper.SendCartAsync(HttpMethod.Get, "/api/cart"))
            {
                await AssertUnavailableAsync(cart);
            }
        }
        finally
        {
            await shop.Infrastructure.StartServerAsync("redis");
        }

        await Eventually.HoldsAsync(async () =>
        {
            using var session = await GetSessionAsync(auth, shopper.Token!);
            return session.StatusCode == HttpStatusCode.OK;
        }, RecoveryTimeout);
        await Eventually.HoldsAsync(async () =>
        {
            using var cart = await shopper.SendCartAsync(HttpMethod.Get, "/api/cart");
            return cart.StatusCode == HttpStatusCode.OK;
        }, RecoveryTimeout);
        Assert.Equal(2, (await shopper.GetCartAsync()).QuantityOf(1));
    }

    [Fact]
    public async Task While_PostgreSQL_is_down_sign_up_and_cart_changes_answer_503_with_Retry_After_and_work_when_it_is_back()
    {
        var shopper = shop.CreateShopper();
        await shopper.SignInAnonymouslyAsync();
        var auth = shop.Auth.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });

        await shop.Infrastructure.StopServerAsync("postgres");
        try
        {
            using (var signUp = await SignUpAsync(auth, $"outage+{Guid.NewGuid():N}@example.com"))
            {
                await AssertUnavailableAsync(signUp);
            }

            using (var add = await shopper.SendCartAsync(HttpMethod.Post, "/api/cart/items", new { productId = 1, quantity = 1 }))
            {
                await AssertUnavailableAsync(add);
            }
        }
        finally
        {
            await shop.Infrastructure.StartServerAsync("postgres");
        }

        await Eventually.HoldsAsync(async () =>
        {
            using var add = await shopper.SendCartAsync(HttpMethod.Post, "/api/cart/items", new { productId = 1, quantity = 1 });
            return add.StatusCode == HttpStatusCode.OK;
        }, RecoveryTimeout);
        await Eventually.HoldsAsync(async () =>
        {
            using var signUp = await SignUpAsync(auth, $"outage+{Guid.NewGuid():N}@example.com");
            return signUp.StatusCode == HttpStatusCode.OK;
        }, RecoveryTimeout);
    }

    private static Task<HttpResponseMessage> SignUpAsync(HttpClient auth, string email) =>
        auth.PostAsJsonAsync("/api/auth/sign-up/email", new { name = "Ada", email, password = "correct-horse-battery" });

    private static Task<HttpResponseMessage> GetSessionAsync(HttpClient auth, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/auth/get-session");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return auth.SendAsync(request);
    }

    private static async Task AssertUnavailableAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)response.StatusCode}: {body}");
        Assert.InRange(response.Headers.RetryAfter?.Delta ?? TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = await response.Content.ReadFromJsonAsync<ErrorBody>();
        Assert.Equal("SERVICE_UNAVAILABLE", error?.Code);
        Assert.False(string.IsNullOrWhiteSpace(error?.Message));
        Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
    }

    private sealed record ErrorBody(string Message, string Code);
}
