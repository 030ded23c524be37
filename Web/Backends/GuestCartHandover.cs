using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;

namespace AspireAuth.Web.Backends;

public sealed record PendingHandover(string AnonymousUserId, DateTimeOffset StartedAt);

/// <summary>
/// Carries, across the redirect after a guest signs up or in, which anonymous user's cart Cart.Api is
/// moving (it does so asynchronously, on the link event), so the cart page waits for the merge rather
/// than show a cart that fills in later. A short-lived, HttpOnly, data-protected cookie.
/// </summary>
public sealed class GuestCartHandover(IDataProtectionProvider dataProtection, TimeProvider time)
{
    public const string CookieName = "aspireauth.guest-cart";

    /// <summary>How long the cart page waits for the merge before it shows the cart with a note.</summary>
    public static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(10);

    private readonly IDataProtector _protector = dataProtection.CreateProtector("AspireAuth.Web.GuestCartHandover");

    private void Begin(HttpContext http, string anonymousUserId)
    {
        var handover = JsonSerializer.Serialize(new PendingHandover(anonymousUserId, time.GetUtcNow()));
        http.Response.Cookies.Append(CookieName, _protector.Protect(handover), CookieOptions(http.Request, WaitLimit * 3));
    }

    /// <summary>Starts waiting for the merge when the visitor was a guest before signing up or in; true if so.</summary>
    public bool BeginIfGuest(HttpContext http, AuthSession? sessionBefore)
    {
        if (sessionBefore is not { User.IsAnonymous: true })
        {
            return false;
        }

        Begin(http, sessionBefore.User.Id);
        return true;
    }

    public PendingHandover? Find(HttpRequest request)
    {
        if (request.Cookies[CookieName] is not { Length: > 0 } protectedValue)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<PendingHandover>(_protector.Unprotect(protectedValue));
        }
        catch (Exception exception) when (exception is CryptographicException or JsonException or FormatException)
        {
            return null;
        }
    }

    public bool IsOverdue(PendingHandover handover) => time.GetUtcNow() - handover.StartedAt > WaitLimit;

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
