using System.Net;
using System.Security.Cryptography;

namespace AspireAuth.Auth.Api.Tests;

internal static class TestData
{
    public const string Password = "correct-horse-battery";

    /// <summary>What Better Auth sends when a session ends or turns out to be gone.</summary>
    public static readonly string[] ClearingCookies =
    [
        "better-auth.session_token=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
        "better-auth.session_data=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
        "better-auth.dont_remember=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
    ];

    public static string UniqueEmail(string name = "alice") => $"{name}+{Guid.NewGuid():N}@example.com";

    /// <summary>
    /// A fresh address in the IPv6 documentation range (2001:db8::/32), so tests that count per
    /// client address in the shared Redis never share a counter. It is only ever a header value.
    /// </summary>
    public static IPAddress UniqueAddress()
    {
        var bytes = new byte[16];
        bytes[0] = 0x20;
        bytes[1] = 0x01;
        bytes[2] = 0x0d;
        bytes[3] = 0xb8;
        RandomNumberGenerator.Fill(bytes.AsSpan(4));
        return new IPAddress(bytes);
    }
}
