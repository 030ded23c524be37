namespace AspireAuth.SessionValidation;

/// <summary>The secret that signs session cookies, bound from <c>Auth:Secret</c>.</summary>
public sealed class SessionSigningOptions
{
    public const string SectionName = "Auth";
    public const int MinimumSecretLength = 32;

    /// <summary>Used only in Development when no secret is configured, so local cookies survive restarts.</summary>
    internal const string DevelopmentSecret = "aspireauth-development-secret-not-for-production-use";

    public string? Secret { get; set; }
}
