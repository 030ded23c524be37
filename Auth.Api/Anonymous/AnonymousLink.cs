using System.Security.Cryptography;
using System.Text;

namespace AspireAuth.Auth.Api.Anonymous;

/// <summary>
/// Records that an anonymous user was linked. Its key makes linking happen at most once, even
/// when two requests with the same anonymous session race, and whether or not the anonymous
/// user is deleted afterwards.
/// </summary>
public sealed class AnonymousLink
{
    public required string AnonymousUserId { get; init; }

    public required string NewUserId { get; init; }

    public DateTime LinkedAt { get; init; }

    /// <summary>SHA-256 of the guest session's token that linked, so a retry of that sign-up is recognised after the session ended.</summary>
    public string? AnonymousSessionTokenHash { get; init; }

    /// <summary>When the guest's sessions were known to be revoked; null until then (the durable retry's work queue).</summary>
    public DateTime? GuestSessionsRevokedAt { get; set; }

    public static string HashToken(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
