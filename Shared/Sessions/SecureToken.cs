using System.Security.Cryptography;

namespace AspireAuth.Shared.Sessions;

/// <summary>Better Auth's ids and session tokens: 32 characters of <c>[A-Za-z0-9]</c> from a CSPRNG.</summary>
public static class SecureToken
{
    public const int Length = 32;

    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    public static string New() => RandomNumberGenerator.GetString(Alphabet, Length);

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
