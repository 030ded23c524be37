using System.Security.Cryptography;
using System.Text;
using Konscious.Security.Cryptography;

namespace AspireAuth.Auth.Api.BetterAuth;

/// <summary>
/// Argon2id with OWASP's recommended minimum (19 MiB memory, 2 iterations, 1 lane), stored as a
/// PHC string: <c>$argon2id$v=19$m=19456,t=2,p=1$salt$hash</c>. Passwords are NFKC-normalised
/// first, as Better Auth does, so the same password typed differently still matches.
/// </summary>
internal sealed class PasswordHasher
{
    public const int MinLength = 8;
    public const int MaxLength = 128;

    internal const int MemoryKiB = 19_456;
    internal const int Iterations = 2;
    internal const int Parallelism = 1;
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    // Verified against when the e-mail is unknown, so that answer costs the same as a wrong password.
    private readonly Lazy<string> _decoyHash;

    public PasswordHasher() => _decoyHash = new(() => Hash(Convert.ToHexString(RandomNumberGenerator.GetBytes(16))));

    public string Hash(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Derive(password, salt, MemoryKiB, Iterations, Parallelism, HashBytes);
        return $"$argon2id$v=19$m={MemoryKiB},t={Iterations},p={Parallelism}${Convert.ToBase64String(salt).TrimEnd('=')}${Convert.ToBase64String(hash).TrimEnd('=')}";
    }

    public bool Verify(string password, string encoded)
    {
        var parts = encoded.Split('$');
        if (parts is not ["", "argon2id", "v=19", var parameters, var saltText, var hashText]
            || !TryParseParameters(parameters, out var memory, out var iterations, out var parallelism))
        {
            return false;
        }

        var salt = FromUnpaddedBase64(saltText);
        var expected = FromUnpaddedBase64(hashText);
        var actual = Derive(password, salt, memory, iterations, parallelism, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>Spends the same work as <see cref="Verify"/> and returns false.</summary>
    public bool VerifyAgainstDecoy(string password)
    {
        Verify(password, _decoyHash.Value);
        return false;
    }

    private static byte[] Derive(string password, byte[] salt, int memoryKiB, int iterations, int parallelism, int length)
    {
        using var argon2 = new Argon2id(Encoding.UTF8.GetBytes(password.Normalize(NormalizationForm.FormKC)))
        {
            Salt = salt,
            MemorySize = memoryKiB,
            Iterations = iterations,
            DegreeOfParallelism = parallelism,
        };
        return argon2.GetBytes(length);
    }

    private static bool TryParseParameters(string text, out int memory, out int iterations, out int parallelism)
    {
        memory = iterations = parallelism = 0;
        foreach (var pair in text.Split(','))
        {
            var (key, value) = (pair.Split('=') is [var k, var v] ? (k, v) : ("", ""));
            if (!int.TryParse(value, out var number) || number <= 0)
            {
                return false;
            }

            switch (key)
            {
                case "m": memory = number; break;
                case "t": iterations = number; break;
                case "p": parallelism = number; break;
                default: return false;
            }
        }

        return memory > 0 && iterations > 0 && parallelism > 0;
    }

    private static byte[] FromUnpaddedBase64(string text) =>
        Convert.FromBase64String(text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '='));
}
