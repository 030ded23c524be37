using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;

namespace AspireAuth.Fault.Tests.Workload;

/// <summary>
/// One guest's client, as a browser and a script drive the store: signs in as a guest (through the storefront's
/// first add, or at Auth.Api), adds its planned lines through Web's page and straight to Cart.Api, then signs up
/// from the guest session. It retries network errors and 5xx with <see cref="Backoff"/>, as real clients do; after
/// an add whose outcome it could not see, it looks at the cart before adding again, so its own retries never
/// double a line. A 4xx is final, except a rejected guest session, after which it signs in as a guest again
/// (what a browser's storefront does by itself), so the lines of the lost session show up as missing.
/// </summary>
internal sealed partial class Shopper(StoreEndpoints store, HttpClient http, GuestEntry guest)
{
    /// <summary>The guest's browser: the storefront's cookies and the session cookie (all host-only for localhost, any port).</summary>
    private readonly CookieContainer _browser = new();

    /// <summary>Set when the guest signed in at Auth.Api: its direct calls then use the bearer token, as a script would.</summary>
    private string? _bearer;

    private GuestPlan Plan => guest.Plan;

    /// <summary>The guest session as a direct call to an API presents it.</summary>
    private SessionCredential? Session =>
        _bearer is not null ? SessionCredential.Bearer(_bearer)
        : _browser.GetCookies(store.Web)[SessionCredential.CookieName] is { Value.Length: > 0 } cookie ? SessionCredential.Cookie(cookie.Value)
        : null;

    public async Task ShopAndSignUpAsync(CancellationToken cancellationToken)
    {
        if (!Plan.StartsInStorefront)
        {
            await SignInAsGuestAsync(cancellationToken);
        }

        foreach (var line in Plan.Lines)
        {
            guest.Intend(line);
            if (line.ThroughStorefront)
            {
                await AddThroughStorefrontAsync(line, cancellationToken);
            }
            else
            {
                await AddToCartApiAsync(line, cancellationToken);
            }
        }

        await SignUpAsync(cancellationToken);
    }

    private async Task SignInAsGuestAsync(CancellationToken cancellationToken)
    {
        var backoff = new Backoff();
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(store.AuthApi, "/api/auth/sign-in/anonymous"));
            var reply = await SendAsync(request, store.AuthApi, withCookies: false, cancellationToken);
            if (reply.Is(HttpStatusCode.OK))
            {
                _bearer = reply.Json("token");
                guest.HeldGuestSession(SessionCredential.Bearer(_bearer));
                return;
            }

            await RetryOrGiveUpAsync(backoff, "guest sign-in", reply, cancellationToken);
        }
    }

    /// <summary>The storefront's "Add to cart" form, as a browser posts it: load the catalog for the anti-forgery token, post, follow the redirect.</summary>
    private async Task AddThroughStorefrontAsync(PlannedLine line, CancellationToken cancellationToken)
    {
        var backoff = new Backoff();
        while (true)
        {
            var reply = await TryStorefrontAddAsync(line, cancellationToken);
            RememberGuestSession();
            if (reply is null || await CartHoldsAsync(line, cancellationToken))
            {
                return;
            }

            // Whatever the page said (an outage page, a problem message, no answer), a shopper tries the button again.
            if (!await backoff.WaitAsync(cancellationToken))
            {
                throw new GaveUpException($"gave up on the storefront add of product {line.ProductId} after {backoff.Retries} retries: {reply}");
            }
        }
    }

    /// <summary>Null when the page confirmed the add; else the answer that left it unsure.</summary>
    private async Task<Reply?> TryStorefrontAddAsync(PlannedLine line, CancellationToken cancellationToken)
    {
        using var catalog = new HttpRequestMessage(HttpMethod.Get, store.Web);
        var page = await SendAsync(catalog, store.Web, withCookies: true, cancellationToken);
        if (!page.Is(HttpStatusCode.OK) || AntiforgeryToken().Match(page.Body) is not { Success: true } token)
        {
            return page with { Error = page.Error ?? "the catalog page has no add-to-cart form" };
        }

        using var add = new HttpRequestMessage(HttpMethod.Post, new Uri(store.Web, "/?handler=Add"))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["productId"] = line.ProductId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["quantity"] = line.Quantity.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["__RequestVerificationToken"] = token.Groups[1].Value,
            }),
        };
        var posted = await SendAsync(add, store.Web, withCookies: true, cancellationToken);
        if (!posted.Is(HttpStatusCode.Redirect) || posted.Location is null)
        {
            return posted;
        }

        using var redirected = new HttpRequestMessage(HttpMethod.Get, new Uri(store.Web, posted.Location));
        var result = await SendAsync(redirected, store.Web, withCookies: true, cancellationToken);
        return result.Body.Contains($"Added {line.Quantity} ×", StringComparison.Ordinal) ? null : result;
    }

    private async Task AddToCartApiAsync(PlannedLine line, CancellationToken cancellationToken)
    {
        var backoff = new Backoff();
        while (true)
        {
            if (Session is not { } session)
            {
                await SignInAsGuestAsync(cancellationToken);
                continue;
            }

            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(store.CartApi, "/api/cart/items"))
            {
                Content = JsonContent.Create(new { productId = line.ProductId, quantity = line.Quantity }),
            };
            session.ApplyTo(request);
            var reply = await SendAsync(request, store.CartApi, withCookies: false, cancellationToken);
            if (reply.Is(HttpStatusCode.OK))
            {
                return;
            }

            if (reply.Is(HttpStatusCode.Unauthorized))
            {
                guest.Note($"Cart.Api rejected the guest session ({session}) on an add; signed in as a new guest");
                _bearer = null;
                await SignInAsGuestAsync(cancellationToken);
                continue;
            }

            if (reply.IsTransient && await CartHoldsAsync(line, cancellationToken))
            {
                return;
            }

            await RetryOrGiveUpAsync(backoff, $"Cart.Api add of product {line.ProductId}", reply, cancellationToken);
        }
    }

    /// <summary>Whether the guest's cart has the line already: an add whose answer was lost may have landed.</summary>
    private async Task<bool> CartHoldsAsync(PlannedLine line, CancellationToken cancellationToken)
    {
        var backoff = new Backoff();
        while (Session is { } session)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(store.CartApi, "/api/cart"));
            session.ApplyTo(request);
            var reply = await SendAsync(request, store.CartApi, withCookies: false, cancellationToken);
            if (reply.Is(HttpStatusCode.OK))
            {
                return CartLines.Parse(reply.Body).ContainsKey(line.ProductId);
            }

            if (!reply.IsTransient || !await backoff.WaitAsync(cancellationToken))
            {
                return false;
            }
        }

        return false;
    }

    /// <summary>
    /// Email sign-up from the guest session: through Web's <c>/api/auth</c> with the browser's cookies for a
    /// storefront guest, at Auth.Api with the bearer token otherwise. Retried on network errors and 5xx; a retried
    /// sign-up must succeed like the first would have.
    /// </summary>
    private async Task SignUpAsync(CancellationToken cancellationToken)
    {
        RememberGuestSession();
        guest.SigningUp();
        var backoff = new Backoff();
        var earlier = new List<string>();
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post,
                new Uri(Plan.StartsInStorefront ? store.Web : store.AuthApi, "/api/auth/sign-up/email"))
            {
                Content = JsonContent.Create(new { name = $"Guest {Plan.Index}", email = Plan.Email, password = GuestPlan.Password }),
            };
            Reply reply;
            if (Plan.StartsInStorefront)
            {
                request.Headers.Add("Origin", store.WebOrigin);
                reply = await SendAsync(request, store.Web, withCookies: true, cancellationToken);
            }
            else
            {
                Session?.ApplyTo(request);
                reply = await SendAsync(request, store.AuthApi, withCookies: false, cancellationToken);
            }

            if (reply.Is(HttpStatusCode.OK))
            {
                guest.SignedUp(reply.Json("token"));
                if (earlier.Count > 0)
                {
                    guest.Note($"sign-up succeeded after {earlier.Count} failed attempt(s): {string.Join("; ", earlier)}");
                }

                return;
            }

            earlier.Add(reply.ToString());
            if (!reply.IsTransient || !await backoff.WaitAsync(cancellationToken))
            {
                guest.SignUpFailed($"{reply} (attempt {earlier.Count}; earlier: {string.Join("; ", earlier.SkipLast(1).DefaultIfEmpty("none"))})");
                return;
            }
        }
    }

    private void RememberGuestSession()
    {
        if (Session is { } session)
        {
            guest.HeldGuestSession(session);
        }
    }

    private async Task<Reply> SendAsync(HttpRequestMessage request, Uri origin, bool withCookies, CancellationToken cancellationToken)
    {
        if (withCookies && _browser.GetCookieHeader(origin) is { Length: > 0 } cookies)
        {
            request.Headers.Add("Cookie", cookies);
        }

        var reply = await Reply.SendAsync(http, request, cancellationToken);
        foreach (var setCookie in reply.SetCookies)
        {
            _browser.SetCookies(origin, setCookie);
        }

        return reply;
    }

    private async Task RetryOrGiveUpAsync(Backoff backoff, string step, Reply reply, CancellationToken cancellationToken)
    {
        if (!reply.IsTransient || !await backoff.WaitAsync(cancellationToken))
        {
            throw new GaveUpException($"gave up on {step} after {backoff.Retries} retries: {reply}");
        }
    }

    [GeneratedRegex("""name="__RequestVerificationToken" type="hidden" value="([^"]+)""")]
    private static partial Regex AntiforgeryToken();
}
