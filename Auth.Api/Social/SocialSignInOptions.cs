using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;

namespace AspireAuth.Auth.Api.Social;

/// <summary>
/// Bound from <c>Auth:Social</c>: the identity providers a visitor can sign in with, by provider id
/// (the <c>provider</c> of Better Auth's <c>/sign-in/social</c> and the last segment of <c>/callback/{provider}</c>).
/// </summary>
public sealed partial class SocialSignInOptions
{
    public const string SectionName = "Auth:Social";

    public Dictionary<string, SocialProviderOptions> Providers { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How long a started sign-in waits for its callback: the state, and the guest bound to it, expire after this.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "01:00:00")]
    public TimeSpan StateLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often expired and used states are deleted.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan StatePruneInterval { get; set; } = TimeSpan.FromMinutes(15);

    internal static bool HasValidProviders(SocialSignInOptions options) =>
        options.Providers.All(provider => ProviderId().IsMatch(provider.Key) && provider.Value.IsValid);

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,31}$", RegexOptions.CultureInvariant)]
    private static partial Regex ProviderId();
}

/// <summary>
/// One identity provider: a generic OpenID Connect provider by <see cref="Issuer"/> (discovery, JWKS, ID token),
/// or one of OpenIddict's web providers by <see cref="Type"/> (<c>Google</c>, <c>Microsoft</c>, <c>GitHub</c>, …),
/// which brings that provider's endpoints and user-info mapping, plain OAuth 2 ones included.
/// </summary>
public sealed class SocialProviderOptions
{
    /// <summary>What the storefront's button says: "Continue with {DisplayName}".</summary>
    public string? DisplayName { get; set; }

    /// <summary>An OpenIddict.Client.WebIntegration provider name; empty for a generic OpenID Connect provider.</summary>
    public string? Type { get; set; }

    /// <summary>A web provider's own settings by property name (e.g. <c>Tenant</c> for <c>Microsoft</c>), as OpenIddict names them.</summary>
    public Dictionary<string, string> Settings { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public Uri? Issuer { get; set; }

    public string? ClientId { get; set; }

    public string? ClientSecret { get; set; }

    /// <summary>Requested besides what the provider needs; a generic provider gets <c>openid email profile</c> when empty.</summary>
    public List<string> Scopes { get; set; } = [];

    /// <summary>
    /// Whether an e-mail address this provider asserts as verified may link its identity to an existing
    /// user with that address — and then only if that user proved the address too.
    /// </summary>
    public bool TrustedForLinking { get; set; }

    internal bool IsValid =>
        !string.IsNullOrWhiteSpace(ClientId)
        && (!string.IsNullOrWhiteSpace(Type) || Issuer is { IsAbsoluteUri: true });
}
