using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using OpenIddict.Client.AspNetCore;

namespace AspireAuth.Auth.Api.Social;

/// <summary>Who the provider says signed in: from the validated ID token and user-info, as OpenIddict merged them.</summary>
internal sealed record ProviderIdentity(string Subject, string? Email, bool EmailVerified, string? Name, string? Picture)
{
    public static ProviderIdentity? From(ClaimsPrincipal principal)
    {
        var subject = principal.FindFirstValue("sub") ?? principal.FindFirstValue(ClaimTypes.NameIdentifier);
        if (string.IsNullOrEmpty(subject))
        {
            return null;
        }

        var email = principal.FindFirstValue("email") ?? principal.FindFirstValue(ClaimTypes.Email);
        return new ProviderIdentity(
            subject,
            string.IsNullOrWhiteSpace(email) ? null : email.Trim().ToLowerInvariant(),
            // Absent counts as not verified: a provider that does not say so has not proven the address to us.
            bool.TryParse(principal.FindFirstValue("email_verified"), out var verified) && verified,
            principal.FindFirstValue("name") ?? principal.FindFirstValue(ClaimTypes.Name),
            principal.FindFirstValue("picture"));
    }
}

/// <summary>The provider's tokens as it returned them, stored on the <c>account</c> row like Better Auth stores them.</summary>
internal sealed record ProviderTokens(string? AccessToken, DateTime? AccessTokenExpiresAt, string? RefreshToken, string? IdToken, string? Scope)
{
    public static ProviderTokens From(AuthenticationProperties? properties, IEnumerable<string> scopes) => new(
        properties?.GetTokenValue(OpenIddictClientAspNetCoreConstants.Tokens.BackchannelAccessToken),
        DateTimeOffset.TryParse(properties?.GetTokenValue(OpenIddictClientAspNetCoreConstants.Tokens.BackchannelAccessTokenExpirationDate),
            CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var expiresAt) ? expiresAt.UtcDateTime : null,
        properties?.GetTokenValue(OpenIddictClientAspNetCoreConstants.Tokens.RefreshToken),
        properties?.GetTokenValue(OpenIddictClientAspNetCoreConstants.Tokens.BackchannelIdentityToken),
        string.Join(',', scopes));
}
