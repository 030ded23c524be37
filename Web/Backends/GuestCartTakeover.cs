using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;

namespace AspireAuth.Web.Backends;

/// <summary>
/// A cart takeover the cart page waits for. Stored in the cookie as JSON: keep the property names.
/// <see cref="StartedAt"/> is null while the visitor is still signing in at an identity provider.
/// </summary>
public sealed record PendingCartTakeover(string AnonymousUserId, DateTimeOffset? StartedAt);

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

    /// <summary>How long a visitor may take at an identity provider: as long as Better Auth keeps the sign-in's state.</summary>
    public static readonly TimeSpan IdentityProviderLimit = TimeSpan.FromMinutes(10);

    // The purpose is the type's former name: cookies protected under it stay readable.
    private readonly IDataProtector _protector = dataProtection.CreateProtector("AspireAuth.Web.GuestCartHandover");

    private void Begin(HttpContext http, string guestUserId) =>
        Write(http, new PendingCartTakeover(guestUserId, time.GetUtcNow()), WaitLimit * 3);

    private void Write(HttpContext http, PendingCartTakeover pending, TimeSpan maxAge) =>
        http.Response.Cookies.Append(CookieName, _protector.Protect(JsonSerializer.Serialize(pending)), CookieOptions(http.Request, maxAge));

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

    /// <summary>
    /// As <see cref="BeginIfGuest"/>, for a sign-in at an identity provider: the visitor comes back whenever they are
    /// done there, so the wait limit only starts to count once the cart page sees them back (<see cref="KeepWaiting"/>).
    /// </summary>
    public bool BeginAtIdentityProviderIfGuest(HttpContext http, AuthSession? sessionBefore)
    {
        if (sessionBefore is not { User.IsAnonymous: true })
        {
            return false;
        }

        Write(http, new PendingCartTakeover(sessionBefore.User.Id, StartedAt: null), IdentityProviderLimit);
        return true;
    }

    /// <summary>The cart page goes on waiting; for a visitor just back from an identity provider, the wait starts now.</summary>
    public void KeepWaiting(HttpContext http, PendingCartTakeover takeover)
    {
        if (takeover.StartedAt is null)
        {
            Begin(http, takeover.AnonymousUserId);
        }
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

    public bool IsOverdue(PendingCartTakeover takeover) => takeover.StartedAt is { } startedAt && time.GetUtcNow() - startedAt > WaitLimit;

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
