using OpenIddict.Abstractions;
using OpenIddict.Client;
using static OpenIddict.Client.OpenIddictClientEvents;

namespace AspireAuth.Auth.Api.Social;

/// <summary>
/// Turns a refused challenge (e.g. the provider's discovery document cannot be fetched) into an exception for
/// <c>/sign-in/social</c> to answer with <c>PROVIDER_UNAVAILABLE</c>. Left alone, OpenIddict writes its own plain-text
/// error and starts the response, and the endpoint's answer then fails on a response already sent.
/// </summary>
internal sealed class ThrowChallengeErrors : IOpenIddictClientHandler<ProcessErrorContext>
{
    public static OpenIddictClientHandlerDescriptor Descriptor { get; } = OpenIddictClientHandlerDescriptor.CreateBuilder<ProcessErrorContext>()
        .UseSingletonHandler<ThrowChallengeErrors>()
        .SetOrder(int.MinValue + 100_000)
        .SetType(OpenIddictClientHandlerType.Custom)
        .Build();

    public ValueTask HandleAsync(ProcessErrorContext context)
    {
        // A challenge runs in our endpoints, which OpenIddict does not know; its own (the callback) pass errors through.
        if (context.EndpointType is OpenIddictClientEndpointType.Unknown)
        {
            throw new OpenIddictExceptions.ProtocolException(
                $"The challenge was refused: {context.Error} {context.ErrorDescription}", context.Error, context.ErrorDescription, context.ErrorUri);
        }

        return default;
    }
}
