using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using OpenIddict.Abstractions;
using OpenIddict.Client;
using OpenIddict.Client.AspNetCore;

namespace AspireAuth.Auth.Api.Social;

/// <summary>
/// What a started sign-in remembers until its callback, kept in OpenIddict's state (server-side, single use,
/// expiring with it): where to send the browser, the session that started it (a guest's is linked on the callback),
/// the user a <c>/link-social</c> adds the identity to, and the trace that started it.
/// </summary>
internal sealed record SocialFlow(
    string Provider,
    string CallbackUrl,
    string? ErrorCallbackUrl,
    string? NewUserCallbackUrl,
    string? StartingSessionToken,
    string? LinkToUserId,
    string? StartedTraceParent)
{
    private const string CallbackUrlItem = "callback_url";
    private const string ErrorCallbackUrlItem = "error_callback_url";
    private const string NewUserCallbackUrlItem = "new_user_callback_url";
    private const string StartingSessionItem = "starting_session";
    private const string LinkToUserItem = "link_to_user";
    private const string StartedTraceItem = "started_trace";

    public AuthenticationProperties ToProperties()
    {
        var properties = new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictClientAspNetCoreConstants.Properties.ProviderName] = Provider,
            [CallbackUrlItem] = CallbackUrl,
            [ErrorCallbackUrlItem] = ErrorCallbackUrl,
            [NewUserCallbackUrlItem] = NewUserCallbackUrl,
            [StartingSessionItem] = StartingSessionToken,
            [LinkToUserItem] = LinkToUserId,
            [StartedTraceItem] = StartedTraceParent,
        });
        return properties;
    }

    /// <summary>
    /// The flow the callback's state names, once OpenIddict validated that state; null when the state is unknown,
    /// expired, used already, or was not started in this browser. On a failed callback the properties are not on the
    /// result, so they are read from OpenIddict's authentication context.
    /// </summary>
    public static SocialFlow? FromCallback(HttpContext http, AuthenticateResult result)
    {
        var items = result.Succeeded ? result.Properties?.Items.AsReadOnly() : null;
        if (items is null)
        {
            var context = http.Features.Get<OpenIddictClientAspNetCoreFeature>()?.Transaction?
                .GetProperty<OpenIddictClientEvents.ProcessAuthenticationContext>(typeof(OpenIddictClientEvents.ProcessAuthenticationContext).FullName!);
            if (context?.StateTokenPrincipal is null || !context.IsRequestForgeryProtectionValidated())
            {
                return null;
            }

            items = context.Properties.AsReadOnly();
        }

        return items.TryGetValue(OpenIddictClientAspNetCoreConstants.Properties.ProviderName, out var provider) && provider is not null
            && items.TryGetValue(CallbackUrlItem, out var callbackUrl) && callbackUrl is not null
            ? new SocialFlow(provider, callbackUrl, Item(ErrorCallbackUrlItem), Item(NewUserCallbackUrlItem), Item(StartingSessionItem),
                Item(LinkToUserItem), Item(StartedTraceItem))
            : null;

        string? Item(string key) => items.TryGetValue(key, out var value) && !string.IsNullOrEmpty(value) ? value : null;
    }

    /// <summary>The span of the callback, linked to the trace of the request that started the flow (a separate request).</summary>
    public Activity? StartCallbackActivity() =>
        Microsoft.Extensions.Hosting.AspireAuthTelemetry.ActivitySource.StartActivity(
            ActivityKind.Internal,
            name: $"social sign-in callback {Provider}",
            links: ActivityContext.TryParse(StartedTraceParent, null, out var started) ? [new ActivityLink(started)] : null);
}

internal static class ProcessAuthenticationContextExtensions
{
    /// <summary>
    /// Whether the callback came to the browser that started the flow: OpenIddict found its correlation cookie and the
    /// state's copy of it matched. A state rejected before that (or for that) must not say where the flow wanted to go.
    /// </summary>
    public static bool IsRequestForgeryProtectionValidated(this OpenIddictClientEvents.ProcessAuthenticationContext context) =>
        !string.IsNullOrEmpty(context.RequestForgeryProtection)
        && context.StateTokenPrincipal?.GetClaim(OpenIddictConstants.Claims.RequestForgeryProtection) is { } expected
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(context.RequestForgeryProtection));
}
