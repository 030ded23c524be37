using System.Net;
using AspireAuth.Web.Tests.Harness;

namespace AspireAuth.Web.Tests;

/// <summary>The cart page edits lines through Cart.Api and explains what Cart.Api refuses.</summary>
public sealed class CartTests
{
    [Fact]
    public async Task A_full_cart_is_explained_after_add_to_cart()
    {
        await using var backend = await StubBackend.StartAsync(app =>
        {
            MapSignedInGuest(app);
            app.MapPost("/api/cart/items", () => BackendAnswers.Error(400, "CART_LINE_LIMIT", "A cart holds at most 50 lines"));
        });
        await using var storefront = Storefront.Over(backend);
        using var browser = storefront.CreateBrowser();
        browser.DefaultRequestHeaders.Add("Cookie", StubBackend.GuestCookie);

        using var added = await browser.SubmitFormAsync("/", new Dictionary<string, string> { ["productId"] = "2", ["quantity"] = "1" }, handler: "Add");
        var catalog = await browser.FollowAsync(added);

        Assert.Contains("Your cart is full: it holds at most 50 different products. Remove one to add another.", catalog, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Quantities_outside_1_to_99_are_refused_without_calling_cart_api()
    {
        await using var backend = await StubBackend.StartAsync(MapSignedInGuest);
        await using var storefront = Storefront.Over(backend);
        using var browser = storefront.CreateBrowser();
        browser.DefaultRequestHeaders.Add("Cookie", StubBackend.GuestCookie);

        using var updated = await browser.SubmitFormAsync("/Cart", new Dictionary<string, string> { ["productId"] = "1", ["quantity"] = "100" }, handler: "Update");
        var cart = await browser.FollowAsync(updated);

        Assert.Contains("Choose a quantity from 1 to 99.", cart, StringComparison.Ordinal);
        Assert.DoesNotContain(backend.Requests, request => request.Method == "PUT");
    }

    [Fact]
    public async Task Quantity_inputs_of_catalog_and_cart_offer_1_to_99()
    {
        await using var backend = await StubBackend.StartAsync(MapSignedInGuest);
        await using var storefront = Storefront.Over(backend);
        using var browser = storefront.CreateBrowser();
        browser.DefaultRequestHeaders.Add("Cookie", StubBackend.GuestCookie);

        var catalog = await browser.GetStringAsync(new Uri("/", UriKind.Relative));
        var cart = await browser.GetStringAsync(new Uri("/Cart", UriKind.Relative));

        Assert.Contains("min=\"1\" max=\"99\" value=\"1\"", catalog, StringComparison.Ordinal);
        Assert.Contains("min=\"1\" max=\"99\" value=\"1\"", cart, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Update_and_remove_change_the_line_in_cart_api()
    {
        await using var backend = await StubBackend.StartAsync(app =>
        {
            MapSignedInGuest(app);
            app.MapPut("/api/cart/items/{productId:int}", () => BackendAnswers.Cart((1, "Trail Running Shoes", 89.90m, 4)));
            app.MapDelete("/api/cart/items/{productId:int}", () => BackendAnswers.Cart());
        });
        await using var storefront = Storefront.Over(backend);
        using var browser = storefront.CreateBrowser();
        browser.DefaultRequestHeaders.Add("Cookie", StubBackend.GuestCookie);

        using var updated = await browser.SubmitFormAsync("/Cart", new Dictionary<string, string> { ["productId"] = "1", ["quantity"] = "4" }, handler: "Update");
        using var removed = await browser.SubmitFormAsync("/Cart", new Dictionary<string, string> { ["productId"] = "1" }, handler: "Remove");

        Assert.Equal(HttpStatusCode.Redirect, updated.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, removed.StatusCode);
        Assert.Equal(StubBackend.GuestCookie, backend.OnlyRequest("PUT", "/api/cart/items/1").Cookie);
        Assert.Equal(StubBackend.GuestCookie, backend.OnlyRequest("DELETE", "/api/cart/items/1").Cookie);
        Assert.Contains("The item is removed from your cart.", await browser.FollowAsync(removed), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cart_of_a_visitor_without_a_session_is_empty_without_asking_cart_api()
    {
        await using var backend = await StubBackend.StartAsync(_ => { });
        await using var storefront = Storefront.Over(backend);
        using var browser = storefront.CreateBrowser();

        var cart = await browser.GetStringAsync(new Uri("/Cart", UriKind.Relative));

        Assert.Contains("Your cart is empty.", cart, StringComparison.Ordinal);
        Assert.Empty(backend.Requests);
    }

    private static void MapSignedInGuest(WebApplication app)
    {
        app.MapGet("/api/catalog", () => BackendAnswers.Catalog);
        app.MapGet("/api/auth/get-session", () => BackendAnswers.Session("guest", "Anonymous", isAnonymous: true));
        app.MapGet("/api/cart", () => BackendAnswers.Cart((1, "Trail Running Shoes", 89.90m, 1)));
    }
}
