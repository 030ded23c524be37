using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;

namespace AspireAuth.Web.Backends;

/// <summary>A cart takeover the cart page waits for. Stored in the cookie as JSON: keep the property names.</summary>
public sealed record PendingCartTakeover(string AnonymousUserId, DateTimeOffset StartedAt);

/// <summary>
/// Carries, across the redirect after a guest signs up or in, which guest's cart the account is taking
/// over (Cart.Api does so asynchronously, on the link event), so the cart page waits for the takeover rather
/// than show a cart that fills in later. A short-lived, HttpOnly, data-protected cookie.
/// </summary>
public sealed class GuestCartTakeover(IDataProtectionProvider dataProtection, TimeProvider time)
{
    public const string CookieName = "aspireauth.guest-cart";

    /// <summary>How long the cart page waits for the takeover before it shows the cart with a note.</summary>
    public static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(10);

    // The purpose is the type's former name: cookies protected under it stay readable.
    private readonly IDataProtector _protector = dataProtection.CreateProtector("AspireAuth.Web.GuestCartHandover");

    private void Begin(HttpContext http, string guestUserId)
    {
        var pending = JsonSerializer.Serialize(new PendingCartTakeover(guestUserId, time.GetUtcNow()));
        http.Response.Cookies.Append(CookieName, _protector.Protect(pending), CookieOptions(http.Request, WaitLimit * 3));
    }

    /// <summary>Starts waiting for the takeover when the visitor was a guest before signing up or in; true if so.</summary>
    public bool BeginIfGuest(HttpContext http, AuthSession? sessionBefore)
    {
        if (sessionBefore is not { User.IsAnonymous: true })
        {
            return false;
        }

        Begin(http, sessionBefore.User.Id);
        return true;
    }

    public PendingCartTakeover? Find(HttpRequest request)
    {
        if (request.Cookies[CookieName] is not { Length: > 0 } protectedValue)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<PendingCartTakeover>(_protector.Unprotect(protectedValue));
        }
        catch (Exception exception) when (exception is CryptographicException or JsonException or FormatException)
        {
            return null;
        }
    }

    public bool IsOverdue(PendingCartTakeover takeover) => time.GetUtcNow() - takeover.StartedAt > WaitLimit;

    public void End(HttpContext http) => http.Response.Cookies.Delete(CookieName, CookieOptions(http.Request, maxAge: null));

    private static CookieOptions CookieOptions(HttpRequest request, TimeSpan? maxAge) => new()
    {
        HttpOnly = true,
        Secure = request.IsHttps,
        SameSite = SameSiteMode.Lax,
        IsEssential = true,
        Path = "/",
        MaxAge = maxAge,
    };
}
