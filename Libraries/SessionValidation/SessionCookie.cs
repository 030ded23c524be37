using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace AspireAuth.SessionValidation;

/// <summary>
/// Better Auth's signed session cookie: <c>urlencode(token + "." + base64(HMAC-SHA256(secret, token)))</c>.
/// </summary>
public sealed class SessionCookie
{
    public const string Name = "better-auth.session_token";
    public const string SecureName = "__Secure-better-auth.session_token";
    public const string DataName = "better-auth.session_data";
    public const string DontRememberName = "better-auth.dont_remember";

    private const int SignatureLength = 44;

    // Every request carries a cookie, and the same ones again and again; a signature verified once
    // stays valid (whether its session does is the session lookup's question).
    private const int MaxRememberedCookies = 10_000;

    private readonly byte[] _key;
    private readonly ConcurrentDictionary<string, string> _verifiedCookies = new(StringComparer.Ordinal);
    private int _rememberedCount; // ConcurrentDictionary.Count would take every bucket's lock on each new cookie

    public SessionCookie(string secret) => _key = Encoding.UTF8.GetBytes(secret);

    /// <summary>The cookie value (URL-encoded) for a session token.</summary>
    public string Sign(string token) => Uri.EscapeDataString(token + "." + Signature(token));

    /// <summary>
    /// The token of a signed cookie value, or null when the value is not a validly signed token.
    /// Accepts the raw or URL-decoded form.
    /// </summary>
    public string? Verify(string? cookieValue)
    {
        if (string.IsNullOrEmpty(cookieValue))
        {
            return null;
        }

        if (_verifiedCookies.TryGetValue(cookieValue, out var remembered))
        {
            return remembered;
        }

        var token = VerifySignature(cookieValue);
        if (token is not null)
        {
            if (Volatile.Read(ref _rememberedCount) >= MaxRememberedCookies)
            {
                _verifiedCookies.Clear();
                Volatile.Write(ref _rememberedCount, 0);
            }

            if (_verifiedCookies.TryAdd(cookieValue, token))
            {
                Interlocked.Increment(ref _rememberedCount);
            }
        }

        return token;
    }

    private string? VerifySignature(string cookieValue)
    {
        var value = cookieValue.Contains('%', StringComparison.Ordinal) ? Uri.UnescapeDataString(cookieValue) : cookieValue;
        var separator = value.LastIndexOf('.');
        if (separator <= 0)
        {
            return null;
        }

        var token = value[..separator];
        var signature = value[(separator + 1)..];
        if (signature.Length != SignatureLength || signature[^1] != '=')
        {
            return null;
        }

        Span<byte> expected = stackalloc byte[32];
        HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(token), expected);
        Span<byte> actual = stackalloc byte[33];
        return Convert.TryFromBase64String(signature, actual, out var written) && written == 32
            && CryptographicOperations.FixedTimeEquals(expected, actual[..32])
            ? token
            : null;
    }

    /// <summary>
    /// The session cookie's value among <paramref name="cookies"/>. When both names are sent the <c>__Secure-</c> one wins,
    /// even when it does not verify: a plain-named cookie can be planted by a sibling subdomain or over http (cookie
    /// tossing), a <c>__Secure-</c> one only over https.
    /// </summary>
    public static string? ValueIn(IRequestCookieCollection cookies) => cookies[SecureName] ?? cookies[Name];

    /// <summary>
    /// The session token a request carries: <c>Authorization: Bearer</c> with a raw token or a
    /// signed <c>token.signature</c> — which wins, as in Better Auth's bearer plugin — else the
    /// signed cookie.
    /// </summary>
    public string? ReadToken(string? cookieValue, string? authorizationHeader)
    {
        if (authorizationHeader is not null && authorizationHeader.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var bearer = authorizationHeader["Bearer ".Length..].Trim();
            return bearer.Contains('.', StringComparison.Ordinal) || bearer.Contains('%', StringComparison.Ordinal)
                ? Verify(bearer)
                : SecureToken.IsWellFormed(bearer) ? bearer : null;
        }

        return Verify(cookieValue);
    }

    private string Signature(string token)
    {
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(token), mac);
        return Convert.ToBase64String(mac);
    }
}
