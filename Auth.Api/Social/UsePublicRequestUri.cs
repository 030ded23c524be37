using AspireAuth.Auth.Api.BetterAuth;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.Extensions.Options;
using OpenIddict.Client;
using OpenIddict.Client.AspNetCore;
using static OpenIddict.Client.OpenIddictClientEvents;

namespace AspireAuth.Auth.Api.Social;

/// <summary>
/// The callback reaches Auth.Api through the storefront, which is where the provider sent the browser: OpenIddict must see
/// the request at that public address (<see cref="AuthOptions.BaseUrl"/>), or the callback does not match the
/// <c>redirect_uri</c> its state recorded. Auth.Api believes no forwarded headers (see AddBetterAuth), so it uses its configuration.
/// </summary>
internal sealed class UsePublicRequestUri(IOptions<AuthOptions> options) : IOpenIddictClientHandler<ProcessRequestContext>
{
    public static OpenIddictClientHandlerDescriptor Descriptor { get; } = OpenIddictClientHandlerDescriptor.CreateBuilder<ProcessRequestContext>()
        .UseSingletonHandler<UsePublicRequestUri>()
        .SetOrder(OpenIddictClientAspNetCoreHandlers.ResolveRequestUri.Descriptor.Order + 1_000)
        .SetType(OpenIddictClientHandlerType.Custom)
        .Build();

    public ValueTask HandleAsync(ProcessRequestContext context)
    {
        if (options.Value.BaseUrl is { } publicBase && context.Transaction.GetHttpRequest() is { } request)
        {
            var origin = new Uri(publicBase.GetLeftPart(UriPartial.Authority) + "/", UriKind.Absolute);
            context.BaseUri = new Uri(origin, request.PathBase.ToUriComponent().TrimStart('/') is { Length: > 0 } pathBase ? pathBase + "/" : "");
            context.RequestUri = new Uri(origin, request.GetEncodedPathAndQuery().TrimStart('/'));
        }

        return default;
    }
}
