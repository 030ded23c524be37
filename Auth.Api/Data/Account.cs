namespace AspireAuth.Auth.Api.Data;

/// <summary>Better Auth's <c>account</c> row: one way a user signs in (e-mail and password, or an identity provider's identity).</summary>
public sealed class Account
{
    public const string CredentialProvider = "credential";

    public required string Id { get; init; }

    /// <summary>For credential accounts, the user id (as Better Auth stores it); else the provider's subject. Unique per provider.</summary>
    public required string AccountId { get; init; }

    public required string ProviderId { get; init; }

    public required string UserId { get; init; }

    /// <summary>The encoded password hash (see <c>PasswordHasher</c>); null for other providers.</summary>
    public string? Password { get; set; }

    public string? AccessToken { get; set; }

    public DateTime? AccessTokenExpiresAt { get; set; }

    public string? RefreshToken { get; set; }

    public DateTime? RefreshTokenExpiresAt { get; set; }

    public string? IdToken { get; set; }

    /// <summary>The scopes granted, comma-separated as Better Auth stores them.</summary>
    public string? Scope { get; set; }

    public DateTime CreatedAt { get; init; }

    public DateTime UpdatedAt { get; set; }
}
