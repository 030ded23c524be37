namespace AspireAuth.Auth.Api.Data;

/// <summary>Better Auth's <c>user</c> row (core fields; plugins map their columns as shadow properties).</summary>
public sealed class User
{
    public required string Id { get; init; }

    public required string Name { get; set; }

    /// <summary>Stored lower-cased, so the unique index makes e-mails unique case-insensitively.</summary>
    public required string Email { get; set; }

    public bool EmailVerified { get; set; }

    public string? Image { get; set; }

    public DateTime CreatedAt { get; init; }

    public DateTime UpdatedAt { get; set; }
}
