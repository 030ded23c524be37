using System.Text.RegularExpressions;
using static Microsoft.Playwright.Assertions;

namespace AspireAuth.Browser.Tests;

/// <summary>
/// "Continue with Trailhead ID" in a real browser: the storefront, Auth.Api and the development identity provider on
/// their own origins, with the browser's own cookie, redirect and Content-Security-Policy rules in force.
/// </summary>
[Collection(StorefrontCollection.Name)]
public sealed partial class SocialSignInTests(AspireAppFixture app, ChromiumFixture chromium)
{
    private const string TrailheadId = "Trailhead ID";
    private const string Shoes = "Trail Running Shoes";
    private const string Maps = "Trail Map Set";

    [Fact]
    public async Task A_guest_continues_with_Trailhead_ID_and_arrives_signed_in_with_the_guest_cart()
    {
        await using var shopper = await Shopper.ArriveAsync(app, chromium);
        await shopper.AddToCartAsync(Shoes, 2);
        await shopper.AddToCartAsync(Maps, 1);
        await Expect(shopper.AccountBadge).ToHaveTextAsync("Shopping as Guest");

        // Another browser holding the guest's session cookie is the guest too, until the guest is linked.
        await using var guestElsewhere = await Shopper.ArriveAsync(app, chromium, await shopper.SessionCookiesAsync(),
            test: nameof(A_guest_continues_with_Trailhead_ID_and_arrives_signed_in_with_the_guest_cart) + "-guest-elsewhere");
        await Expect(guestElsewhere.AccountBadge).ToHaveTextAsync("Shopping as Guest");

        await shopper.ContinueWithAsync(TrailheadId);
        await Expect(shopper.Page).ToHaveURLAsync(At(app.App.GetEndpoint("identity-provider", "http")));
        await shopper.SignInAtTrailheadAsync("hiker@trailhead.test");

        await Expect(shopper.Page).ToHaveURLAsync(CartPage());
        await Expect(shopper.AccountBadge).ToHaveTextAsync("Signed in as Hiker");
        await shopper.ExpectCartLineAsync(Shoes, 2);
        await shopper.ExpectCartLineAsync(Maps, 1);
        await Expect(shopper.Page.Locator("#cart-item-count")).ToHaveTextAsync("3");

        await shopper.OpenAccountAsync();
        await Expect(shopper.Page.Locator("#account-email")).ToHaveTextAsync("hiker@trailhead.test");
        await Expect(shopper.SignInMethods).ToHaveTextAsync([TrailheadId]);

        // The guest is gone: its session cookie signs nobody in any more.
        await guestElsewhere.Page.ReloadAsync();
        await Expect(guestElsewhere.AccountMenu.GetByRole(AriaRole.Link, new() { Name = "Sign in", Exact = true })).ToBeVisibleAsync();
        await Expect(guestElsewhere.AccountBadge).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task An_email_account_links_Trailhead_ID_from_the_account_page()
    {
        await using var shopper = await Shopper.ArriveAsync(app, chromium);
        await shopper.SignUpAsync("Sam Scout", Shopper.UniqueEmail("sam"), "correct horse battery staple");
        await Expect(shopper.AccountBadge).ToHaveTextAsync("Signed in as Sam Scout");
        await shopper.OpenAccountAsync();
        await Expect(shopper.SignInMethods).ToHaveTextAsync(["Email and password"]);

        await shopper.Page.GetByRole(AriaRole.Button, new() { Name = $"Link {TrailheadId}", Exact = true }).ClickAsync();
        await shopper.SignInAtTrailheadAsync("scout@trailhead.test");

        await Expect(shopper.Page).ToHaveURLAsync(AccountPage());
        await Expect(shopper.SignInMethods).ToHaveTextAsync(["Email and password", TrailheadId]);
        await Expect(shopper.Page.GetByRole(AriaRole.Button, new() { Name = $"Link {TrailheadId}", Exact = true })).ToHaveCountAsync(0);
        await Expect(shopper.AccountBadge).ToHaveTextAsync("Signed in as Sam Scout");
    }

    private static Regex At(Uri origin) => new($"^{Regex.Escape(origin.GetLeftPart(UriPartial.Authority))}/");

    [GeneratedRegex("/Cart$")]
    private static partial Regex CartPage();

    [GeneratedRegex("/Account$")]
    private static partial Regex AccountPage();
}
