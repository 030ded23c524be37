using System.Globalization;
using System.Runtime.CompilerServices;
using static Microsoft.Playwright.Assertions;

namespace AspireAuth.Browser.Tests;

/// <summary>
/// One visitor in a fresh browser context (own cookies), acting on the storefront the way a person
/// does: by labels, roles and visible text. On disposal it saves a screenshot of the page it ends on.
/// </summary>
public sealed class Shopper : IAsyncDisposable
{
    /// <summary>The password of Trailhead ID's seeded users (IdentityProvider/appsettings.json; development only).</summary>
    public const string TrailheadPassword = "trailhead-dev-password";

    private readonly IBrowserContext _context;
    private readonly string _screenshotName;

    private Shopper(IBrowserContext context, IPage page, string screenshotName)
    {
        _context = context;
        Page = page;
        _screenshotName = screenshotName;
    }

    public IPage Page { get; }

    public ILocator AccountBadge => Page.Locator("#account-badge");

    public ILocator Notice => Page.Locator(".notice");

    public ILocator FormError => Page.Locator("#form-error");

    /// <summary>The header's account area, where the sign-in links and the badge live.</summary>
    public ILocator AccountMenu => Page.GetByRole(AriaRole.Group, new() { Name = "Account" });

    public static string ScreenshotDirectory => Path.Combine(AppContext.BaseDirectory, "screenshots");

    /// <param name="cookies">Cookies the browser already holds when it arrives (e.g. a session kept from another visit).</param>
    public static async Task<Shopper> ArriveAsync(
        AspireAppFixture app, ChromiumFixture chromium, IEnumerable<Cookie>? cookies = null, [CallerMemberName] string test = "")
    {
        var context = await chromium.Browser.NewContextAsync(new()
        {
            BaseURL = app.App.GetEndpoint("web", "http").ToString(),
            ViewportSize = new() { Width = 1280, Height = 900 },
        });
        context.SetDefaultTimeout(30_000);
        if (cookies is not null)
        {
            await context.AddCookiesAsync(cookies);
        }

        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Gear for the trail" })).ToBeVisibleAsync();
        return new Shopper(context, page, test);
    }

    public static string UniqueEmail(string who) => $"{who}-{Guid.NewGuid():N}@example.com";

    public ILocator Product(string name) =>
        Page.Locator("li.product").Filter(new() { Has = Page.GetByRole(AriaRole.Heading, new() { Name = name, Exact = true }) });

    /// <summary>The account page's sign-in methods, one item each.</summary>
    public ILocator SignInMethods => Page.Locator("#sign-in-methods > li > strong");

    public ILocator CartLine(string name) => Page.Locator("tr.cart-line").Filter(new() { HasText = name });

    public async Task AddToCartAsync(string product, int quantity)
    {
        if (!await Page.GetByRole(AriaRole.Heading, new() { Name = "Gear for the trail" }).IsVisibleAsync())
        {
            await Page.GetByRole(AriaRole.Link, new() { Name = "Catalog", Exact = true }).ClickAsync();
        }

        var card = Product(product);
        await card.GetByLabel("Quantity").FillAsync(quantity.ToString(CultureInfo.InvariantCulture));
        await card.GetByRole(AriaRole.Button, new() { Name = "Add to cart" }).ClickAsync();
        await Expect(Notice).ToHaveTextAsync($"Added {quantity} × {product} to your cart.");
    }

    public async Task SignUpAsync(string name, string email, string password)
    {
        await AccountMenu.GetByRole(AriaRole.Link, new() { Name = "Create account" }).ClickAsync();
        await Page.GetByLabel("Name").FillAsync(name);
        await Page.GetByLabel("Email").FillAsync(email);
        await Page.GetByLabel("Password").FillAsync(password);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync();
    }

    public async Task SignInAsync(string email, string password)
    {
        await AccountMenu.GetByRole(AriaRole.Link, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await Page.GetByLabel("Email").FillAsync(email);
        await Page.GetByLabel("Password").FillAsync(password);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
    }

    /// <summary>From the sign-in page, "Continue with …" the identity provider: the browser goes on to its login page.</summary>
    public async Task ContinueWithAsync(string provider)
    {
        await AccountMenu.GetByRole(AriaRole.Link, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = $"Continue with {provider}" }).ClickAsync();
    }

    /// <summary>On Trailhead ID's own login page (another origin than the storefront), signs in as one of its seeded users.</summary>
    public async Task SignInAtTrailheadAsync(string email)
    {
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Sign in to Trailhead ID" })).ToBeVisibleAsync();
        await Page.GetByLabel("Email").FillAsync(email);
        await Page.GetByLabel("Password").FillAsync(TrailheadPassword);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
    }

    public async Task OpenAccountAsync()
    {
        await AccountMenu.GetByRole(AriaRole.Link, new() { Name = "Account" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Your account" })).ToBeVisibleAsync();
    }

    /// <summary>The storefront's session cookies (Better Auth's), without the storefront's own bookkeeping cookies.</summary>
    public async Task<IReadOnlyList<Cookie>> SessionCookiesAsync() =>
        [.. (await _context.CookiesAsync())
            .Where(cookie => cookie.Name.Contains("better-auth", StringComparison.Ordinal))
            .Select(cookie => new Cookie
            {
                Name = cookie.Name,
                Value = cookie.Value,
                Domain = cookie.Domain,
                Path = cookie.Path,
                HttpOnly = cookie.HttpOnly,
                Secure = cookie.Secure,
                SameSite = cookie.SameSite,
            })];

    public async Task SignOutAsync()
    {
        await AccountMenu.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(Notice).ToContainTextAsync("You're signed out.");
    }

    public async Task OpenCartAsync()
    {
        await Page.GetByRole(AriaRole.Link, new() { Name = "Cart" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Your cart" })).ToBeVisibleAsync();
    }

    /// <summary>Waits (bounded) until the cart shows the line with the quantity: the guest cart may still be moving.</summary>
    public async Task ExpectCartLineAsync(string product, int quantity)
    {
        var line = CartLine(product);
        await Expect(line).ToBeVisibleAsync();
        await Expect(line.GetByLabel($"Quantity of {product}")).ToHaveValueAsync(quantity.ToString(CultureInfo.InvariantCulture));
    }

    public async ValueTask DisposeAsync()
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        await Page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotDirectory, _screenshotName + ".png"), FullPage = true });
        await _context.DisposeAsync();
    }
}
