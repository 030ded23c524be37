namespace AspireAuth.Auth.Api.Data;

/// <summary>Better Auth's <c>account</c> row: how a user signs in (here: e-mail and password).</summary>
public sealed class Account
{
    public const string CredentialProvider = "credential";

    public required string Id { get; init; }

    /// <summary>For credential accounts, the user id (as Better Auth stores it).</summary>
    public required string AccountId { get; init; }

    public required string ProviderId { get; init; }

    public required string UserId { get; init; }

    /// <summary>The encoded password hash (see <c>PasswordHasher</c>); null for other providers.</summary>
    public string? Password { get; set; }

    public DateTime CreatedAt { get; init; }

    public DateTime UpdatedAt { get; set; }
}
