using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace AspireAuth.IdentityProvider.Authorization;

/// <summary>
/// Adds what OpenIddict's userinfo response leaves out (it answers <c>sub</c> and <c>email</c> by itself):
/// <c>email_verified</c> and <c>name</c>, from the access token, under the same scopes as in the identity token.
/// </summary>
internal sealed class UserInfoClaims : IOpenIddictServerHandler<HandleUserInfoRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<HandleUserInfoRequestContext>()
            .UseSingletonHandler<UserInfoClaims>()
            .SetOrder(OpenIddictServerHandlers.UserInfo.AttachClaims.Descriptor.Order + 1_000)
            .Build();

    public ValueTask HandleAsync(HandleUserInfoRequestContext context)
    {
        var principal = context.AccessTokenPrincipal!;
        if (principal.HasScope(Scopes.Email) && bool.TryParse(principal.GetClaim(Claims.EmailVerified), out var verified))
        {
            context.EmailVerified = verified;
        }

        if (principal.HasScope(Scopes.Profile) && principal.GetClaim(Claims.Name) is { } name)
        {
            context.Claims[Claims.Name] = name;
        }

        return default;
    }
}
