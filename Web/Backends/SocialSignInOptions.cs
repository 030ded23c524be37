using System.Text.RegularExpressions;

namespace AspireAuth.Web.Backends;

/// <summary>An identity provider the storefront offers: Auth.Api's provider id and the name visitors read on its buttons.</summary>
public sealed record SocialProvider(string Id, string DisplayName);

/// <summary>Bound from <c>Web</c>: <c>Web:SocialProviders:{provider id}</c> = display name. None configured, no buttons.</summary>
public sealed partial class SocialSignInOptions
{
    public Dictionary<string, string> SocialProviders { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<SocialProvider> Providers =>
        [.. SocialProviders.Select(provider => new SocialProvider(provider.Key, provider.Value))];

    public bool Any => SocialProviders.Count > 0;

    public SocialProvider? Find(string? providerId) =>
        providerId is not null && SocialProviders.TryGetValue(providerId, out var displayName) ? new(providerId, displayName) : null;

    /// <summary>Ids as Better Auth names providers (they end up in URL paths); display names that say something.</summary>
    public static bool IsValid(SocialSignInOptions options) =>
        options.SocialProviders.All(provider => ProviderId().IsMatch(provider.Key) && !string.IsNullOrWhiteSpace(provider.Value));

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,63}$")]
    private static partial Regex ProviderId();
}
