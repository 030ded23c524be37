using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace AspireAuth.IdentityProvider.Users;

/// <summary>The seeded users, looked up by e-mail (to sign in) and by subject (to issue tokens).</summary>
public sealed class UserDirectory
{
    private static readonly byte[] UnknownUserDigest = new byte[SHA256.HashSizeInBytes];

    private readonly FrozenDictionary<string, SeededUser> _byEmail;
    private readonly FrozenDictionary<string, TrailheadUser> _bySubject;

    public UserDirectory(IOptions<TrailheadOptions> options)
    {
        // Hashed once, so a check compares two fixed-length digests in constant time whatever the lengths typed.
        _byEmail = options.Value.Users.ToFrozenDictionary(
            user => user.Email.Trim(), user => new SeededUser(user, Digest(user.Password)), StringComparer.OrdinalIgnoreCase);
        _bySubject = options.Value.Users.ToFrozenDictionary(user => user.Subject, StringComparer.Ordinal);
    }

    public TrailheadUser? FindBySubject(string? subject) =>
        subject is not null && _bySubject.TryGetValue(subject, out var user) ? user : null;

    public TrailheadUser? FindByCredentials(string email, string password)
    {
        var known = _byEmail.TryGetValue(email.Trim(), out var seeded);
        // An unknown e-mail is compared too, so the answer takes as long as for a known one.
        var matches = CryptographicOperations.FixedTimeEquals(Digest(password), seeded?.PasswordDigest ?? UnknownUserDigest);
        return known && matches ? seeded!.User : null;
    }

    private static byte[] Digest(string password) => SHA256.HashData(Encoding.UTF8.GetBytes(password));

    private sealed record SeededUser(TrailheadUser User, byte[] PasswordDigest);
}
