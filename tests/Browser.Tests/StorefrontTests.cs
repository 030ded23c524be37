using static Microsoft.Playwright.Assertions;

namespace AspireAuth.Browser.Tests;

/// <summary>The storefront in a real browser against the whole app: guests, sign-up and sign-in, the cart that follows.</summary>
[Collection(StorefrontCollection.Name)]
public sealed class StorefrontTests(AspireAppFixture app, ChromiumFixture chromium)
{
    private const string Shoes = "Trail Running Shoes";
    private const string Maps = "Trail Map Set";
    private const string Password = "correct horse battery staple";

    [Fact]
    public async Task Guest_cart_follows_the_guest_into_the_new_account()
    {
        await using var shopper = await Shopper.ArriveAsync(app, chromium);
        await Expect(shopper.AccountBadge).ToHaveCountAsync(0);

        await shopper.AddToCartAsync(Shoes, 2);
        await shopper.AddToCartAsync(Maps, 1);
        await Expect(shopper.AccountBadge).ToHaveTextAsync("Shopping as Guest");

        await shopper.SignUpAsync("Ada Lovelace", Shopper.UniqueEmail("ada"), Password);

        await Expect(shopper.Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/Cart$"));
        await shopper.ExpectCartLineAsync(Shoes, 2);
        await shopper.ExpectCartLineAsync(Maps, 1);
        await Expect(shopper.Page.Locator("#cart-item-count")).ToHaveTextAsync("3");
        await Expect(shopper.AccountBadge).ToHaveTextAsync("Signed in as Ada Lovelace");
    }

    [Fact]
    public async Task Signing_in_again_merges_what_was_bought_as_a_guest_with_the_account_cart()
    {
        var email = Shopper.UniqueEmail("grace");
        await using var shopper = await Shopper.ArriveAsync(app, chromium);
        await shopper.SignUpAsync("Grace Hopper", email, Password);
        await Expect(shopper.AccountBadge).ToHaveTextAsync("Signed in as Grace Hopper");
        await shopper.AddToCartAsync(Maps, 1);
        await shopper.SignOutAsync();
        await Expect(shopper.AccountBadge).ToHaveCountAsync(0);

        await shopper.AddToCartAsync(Shoes, 2);
        await shopper.AddToCartAsync(Maps, 2);
        await Expect(shopper.AccountBadge).ToHaveTextAsync("Shopping as Guest");
        await shopper.SignInAsync(email, Password);

        await shopper.ExpectCartLineAsync(Shoes, 2);
        await shopper.ExpectCartLineAsync(Maps, 3);
        await Expect(shopper.AccountBadge).ToHaveTextAsync("Signed in as Grace Hopper");
    }

    [Fact]
    public async Task Wrong_password_and_taken_email_are_explained_on_the_form()
    {
        var email = Shopper.UniqueEmail("alan");
        await using var shopper = await Shopper.ArriveAsync(app, chromium);
        await shopper.SignUpAsync("Alan Turing", email, Password);
        await Expect(shopper.AccountBadge).ToHaveTextAsync("Signed in as Alan Turing");
        await shopper.SignOutAsync();

        await shopper.SignInAsync(email, "not the password");
        await Expect(shopper.FormError).ToHaveTextAsync("That email and password don't match an account. Check them and try again.");
        await Expect(shopper.Page.GetByLabel("Email")).ToHaveValueAsync(email);

        await shopper.SignUpAsync("Another Alan", email, Password);
        await Expect(shopper.FormError).ToHaveTextAsync("An account with this email already exists. Sign in instead, or use another email.");
        await Expect(shopper.AccountBadge).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Forget_me_deletes_the_guest_and_the_cart()
    {
        await using var shopper = await Shopper.ArriveAsync(app, chromium);
        await shopper.AddToCartAsync(Shoes, 1);
        await Expect(shopper.AccountBadge).ToHaveTextAsync("Shopping as Guest");

        await shopper.AccountMenu.GetByRole(AriaRole.Button, new() { Name = "Forget me" }).ClickAsync();

        await Expect(shopper.Notice).ToHaveTextAsync("Done: your guest session and cart are deleted.");
        await Expect(shopper.AccountBadge).ToHaveCountAsync(0);
        await Expect(shopper.AccountMenu.GetByRole(AriaRole.Link, new() { Name = "Sign in", Exact = true })).ToBeVisibleAsync();
        var cookies = await shopper.Page.Context.CookiesAsync();
        Assert.DoesNotContain(cookies, cookie => cookie.Name.Contains("better-auth", StringComparison.Ordinal));
        await shopper.OpenCartAsync();
        await Expect(shopper.Page.GetByText("Your cart is empty.")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_product_can_be_added_with_the_keyboard_alone()
    {
        await using var shopper = await Shopper.ArriveAsync(app, chromium);
        var page = shopper.Page;

        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Skip to main content" })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");

        var quantity = shopper.Product(Maps).GetByLabel("Quantity");
        await TabUntilFocusedAsync(page, quantity);
        await page.Keyboard.PressAsync("Control+A");
        await page.Keyboard.TypeAsync("3");
        await page.Keyboard.PressAsync("Tab");
        var addButton = shopper.Product(Maps).GetByRole(AriaRole.Button, new() { Name = "Add to cart" });
        await Expect(addButton).ToBeFocusedAsync();
        Assert.NotEqual("none", await addButton.EvaluateAsync<string>("button => getComputedStyle(button).outlineStyle"));
        await page.Keyboard.PressAsync("Enter");

        await Expect(shopper.Notice).ToHaveTextAsync($"Added 3 × {Maps} to your cart.");
        await Expect(shopper.AccountBadge).ToHaveTextAsync("Shopping as Guest");
        await Expect(page.Locator(".cart-count")).ToHaveTextAsync("3 items");
    }

    /// <summary>Presses Tab (a bounded number of times) until the target has the focus.</summary>
    private static async Task TabUntilFocusedAsync(IPage page, ILocator target)
    {
        for (var presses = 0; presses < 60; presses++)
        {
            if (await target.EvaluateAsync<bool>("element => element === document.activeElement"))
            {
                return;
            }

            await page.Keyboard.PressAsync("Tab");
        }

        Assert.Fail("Tab never reached the target.");
    }
}
