using System.ComponentModel.DataAnnotations;

namespace AspireAuth.IdentityProvider;

/// <summary>
/// Bound from <c>Trailhead</c>: the clients and users Trailhead ID starts with. Development only: the users'
/// passwords sit in configuration in plain text, which is why the AppHost never publishes this service.
/// </summary>
public sealed class TrailheadOptions
{
    public const string SectionName = "Trailhead";

    /// <summary>Relying parties; none is valid (the discovery document still answers, every authorization request is refused).</summary>
    public List<TrailheadClient> Clients { get; init; } = [];

    [MinLength(1)]
    public List<TrailheadUser> Users { get; init; } = [];

    public static bool ClientsAreValid(TrailheadOptions options) =>
        options.Clients.All(client =>
            !string.IsNullOrWhiteSpace(client.ClientId)
            && !string.IsNullOrWhiteSpace(client.ClientSecret)
            && client.RedirectUris.Count > 0
            && client.RedirectUris.Concat(client.PostLogoutRedirectUris).All(IsAbsoluteHttpUri))
        && options.Clients.Select(client => client.ClientId).Distinct(StringComparer.Ordinal).Count() == options.Clients.Count;

    public static bool UsersAreValid(TrailheadOptions options) =>
        options.Users.All(user =>
            !string.IsNullOrWhiteSpace(user.Subject)
            && !string.IsNullOrWhiteSpace(user.Email)
            && !string.IsNullOrEmpty(user.Password)
            && !string.IsNullOrWhiteSpace(user.Name))
        && options.Users.Select(user => user.Subject).Distinct(StringComparer.Ordinal).Count() == options.Users.Count
        && options.Users.Select(user => user.Email).Distinct(StringComparer.OrdinalIgnoreCase).Count() == options.Users.Count;

    private static bool IsAbsoluteHttpUri(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);
}

/// <summary>A confidential client (a web application with a secret) that signs users in without a consent screen.</summary>
public sealed record TrailheadClient
{
    public string ClientId { get; init; } = "";

    public string ClientSecret { get; init; } = "";

    public string? DisplayName { get; init; }

    public List<string> RedirectUris { get; init; } = [];

    public List<string> PostLogoutRedirectUris { get; init; } = [];
}

/// <summary>A seeded user. <see cref="Subject"/> is the stable <c>sub</c> claim; the e-mail address may change.</summary>
public sealed record TrailheadUser
{
    public string Subject { get; init; } = "";

    public string Email { get; init; } = "";

    public string Password { get; init; } = "";

    public string Name { get; init; } = "";

    public bool EmailVerified { get; init; }
}
