using System.Security.Cryptography;
using System.Text;
using Geralt;

namespace AspireAuth.Auth.Api.BetterAuth;

/// <summary>
/// Argon2id (libsodium, through Geralt) with OWASP's recommended minimum: 19 MiB of memory,
/// 2 iterations, 1 lane, a 16-byte random salt; stored as a PHC string,
/// <c>$argon2id$v=19$m=19456,t=2,p=1$salt$hash</c>. Passwords are NFKC-normalised first, as
/// Better Auth does, so the same password typed differently still matches.
/// </summary>
internal sealed class PasswordHasher : IDisposable
{
    public const int MinLength = 8;
    public const int MaxLength = 128;

    internal const int Iterations = 2;
    internal const int MemoryBytes = 19 * 1024 * 1024;

    // Verified against when the e-mail is unknown, so that answer costs the same as a wrong password.
    private readonly Lazy<string> _decoyHash = new(() => Hash(Convert.ToHexString(RandomNumberGenerator.GetBytes(16))));

    // At most one hash per core at a time: a burst of sign-ups then queues here instead of
    // occupying every thread-pool thread (and 19 MiB each), which would stall every other request.
    private readonly SemaphoreSlim _hashingSlots = new(Environment.ProcessorCount, Environment.ProcessorCount);

    /// <summary><see cref="Hash"/>, waiting for a free hashing slot first.</summary>
    public Task<string> HashAsync(string password, CancellationToken cancellationToken) =>
        InSlotAsync(() => Hash(password), cancellationToken);

    /// <summary>
    /// <see cref="Verify"/> in a hashing slot; with no stored hash (unknown e-mail) it verifies
    /// against the decoy instead, so the answer costs the same, and returns false.
    /// </summary>
    public Task<bool> VerifyAsync(string password, string? encoded, CancellationToken cancellationToken) =>
        InSlotAsync(() => encoded is null ? VerifyAgainstDecoy(password) : Verify(password, encoded), cancellationToken);

    public static string Hash(string password)
    {
        Span<char> encoded = stackalloc char[Argon2id.HashSize];
        Argon2id.ComputeHash(encoded, Normalize(password), Iterations, MemoryBytes);
        return new string(encoded.TrimEnd('\0'));
    }

    public static bool Verify(string password, string encoded)
    {
        if (!encoded.StartsWith("$argon2id$", StringComparison.Ordinal) || encoded.Length > Argon2id.HashSize)
        {
            return false;
        }

        try
        {
            return Argon2id.VerifyHash(encoded, Normalize(password));
        }
        catch (ArgumentException)
        {
            // A malformed stored hash verifies nothing.
            return false;
        }
    }

    /// <summary>Spends the same work as <see cref="Verify"/> and returns false.</summary>
    public bool VerifyAgainstDecoy(string password)
    {
        Verify(password, _decoyHash.Value);
        return false;
    }

    public void Dispose() => _hashingSlots.Dispose();

    private async Task<T> InSlotAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        await _hashingSlots.WaitAsync(cancellationToken);
        try
        {
            return work();
        }
        finally
        {
            _hashingSlots.Release();
        }
    }

    private static byte[] Normalize(string password) => Encoding.UTF8.GetBytes(password.Normalize(NormalizationForm.FormKC));
}
