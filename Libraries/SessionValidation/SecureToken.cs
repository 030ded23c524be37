using System.Security.Cryptography;

namespace AspireAuth.SessionValidation;

/// <summary>Better Auth's ids and session tokens: 32 characters of <c>[A-Za-z0-9]</c> from a CSPRNG.</summary>
public static class SecureToken
{
    public const int Length = 32;

    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    // The largest multiple of the alphabet's size that fits in a byte: bytes from here up are
    // skipped, so that every character stays equally likely.
    private const int UnbiasedByteLimit = 256 / 62 * 62;

    /// <summary>A new token. One call into the CSPRNG per token (not one per character, as <c>RandomNumberGenerator.GetString</c> makes).</summary>
    public static string New() => string.Create(Length, 0, static (token, _) =>
    {
        Span<byte> random = stackalloc byte[2 * Length];
        var filled = 0;
        while (filled < token.Length)
        {
            RandomNumberGenerator.Fill(random);
            foreach (var value in random)
            {
                if (value < UnbiasedByteLimit)
                {
                    token[filled++] = Alphabet[value % Alphabet.Length];
                    if (filled == token.Length)
                    {
                        break;
                    }
                }
            }
        }
    });

    public static bool IsWellFormed(string value)
    {
        if (value.Length != Length)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
