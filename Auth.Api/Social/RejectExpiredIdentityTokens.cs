using System.Globalization;
using OpenIddict.Abstractions;
using OpenIddict.Client;
using static OpenIddict.Client.OpenIddictClientEvents;

namespace AspireAuth.Auth.Api.Social;

/// <summary>
/// Refuses an ID token past its <c>exp</c> (OpenID Connect Core 3.1.3.7, step 9). OpenIddict's client checks the expiry
/// of its own tokens only: a provider's ID token is validated with <c>ValidateLifetime</c> off and its <c>exp</c> is
/// never compared with the clock, so an expired (e.g. replayed) ID token would sign someone in.
/// </summary>
internal sealed class RejectExpiredIdentityTokens : IOpenIddictClientHandler<ProcessAuthenticationContext>
{
    public static OpenIddictClientHandlerDescriptor Descriptor { get; } = OpenIddictClientHandlerDescriptor.CreateBuilder<ProcessAuthenticationContext>()
        .UseSingletonHandler<RejectExpiredIdentityTokens>()
        // Right after OpenIddict checked that the ID tokens have their well-known claims (exp among them).
        .SetOrder(OpenIddictClientHandlers.ValidateBackchannelIdentityTokenWellknownClaims.Descriptor.Order + 500)
        .SetType(OpenIddictClientHandlerType.Custom)
        .Build();

    public ValueTask HandleAsync(ProcessAuthenticationContext context)
    {
        var now = context.Options.TimeProvider?.GetUtcNow() ?? DateTimeOffset.UtcNow;
        foreach (var principal in new[] { context.FrontchannelIdentityTokenPrincipal, context.BackchannelIdentityTokenPrincipal })
        {
            if (principal?.GetClaim(OpenIddictConstants.Claims.ExpiresAt) is { } exp
                && long.TryParse(exp, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)
                && DateTimeOffset.FromUnixTimeSeconds(seconds).Add(context.Registration.TokenValidationParameters.ClockSkew) < now)
            {
                context.Reject(
                    error: OpenIddictConstants.Errors.InvalidToken,
                    description: "The identity token is no longer valid.");
                return default;
            }
        }

        return default;
    }
}
