using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using AspireAuth.Auth.Api.BetterAuth;
using AspireAuth.Auth.Api.Data;
using AspireAuth.ServiceDefaults.Hosting;
using AspireAuth.SessionValidation;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Client;
using OpenIddict.Client.AspNetCore;
using OpenIddict.Client.SystemNetHttp;

namespace AspireAuth.Auth.Api.Social;

public static class SocialSignInServiceCollectionExtensions
{
    /// <summary>
    /// Sign-in with identity providers (Better Auth's <c>socialProviders</c>) on OpenIddict's client: authorization code
    /// flow with PKCE, state and nonce, ID tokens validated against the provider's keys. The state lives in
    /// <see cref="AuthDbContext"/> (OpenIddict's token table: single use, expiring) and carries the guest that started
    /// the flow, so the callback links that guest even when the guest's own credential does not come back with it.
    /// </summary>
    public static BetterAuthBuilder AddSocialSignIn(this BetterAuthBuilder auth)
    {
        var services = auth.Services;
        services.AddOptions<SocialSignInOptions>().BindConfiguration(SocialSignInOptions.SectionName).ValidateDataAnnotations()
            .Validate(SocialSignInOptions.HasValidProviders,
                "Auth:Social:Providers: each id is lower-case letters, digits or '-', and each provider has a ClientId and an Issuer or a Type.")
            .ValidateOnStart();
        services.AddOptions<AuthOptions>()
            .Validate<IOptions<SocialSignInOptions>>((options, social) => social.Value.Providers.Count == 0 || options.BaseUrl is { IsAbsoluteUri: true },
                "Auth:BaseUrl (the public storefront origin) is needed to build the providers' redirect_uri.");

        services.AddSingleton<IAuthModelContribution>(SocialModel.Instance);
        services.AddSingleton<IAuthPluginEndpoints, SocialEndpoints>();
        services.AddScoped<SocialAccounts>();

        // OpenIddict's client does not start without a callback to serve; with no provider configured every
        // provider is unknown (PROVIDER_NOT_FOUND), as in Better Auth without socialProviders.
        if (!auth.Host.Configuration.GetSection(SocialSignInOptions.SectionName).GetSection(nameof(SocialSignInOptions.Providers)).GetChildren().Any())
        {
            return auth;
        }

        services.AddOpenIddict()
            .AddCore(core => core.UseEntityFrameworkCore().UseDbContext<AuthDbContext>())
            .AddClient(client =>
            {
                client.AllowAuthorizationCodeFlow();
                client.UseAspNetCore()
                    .EnableRedirectionEndpointPassthrough()
                    .EnableErrorPassthrough()
                    // TLS ends at the storefront, which forwards /api/auth/* here over the internal network.
                    .DisableTransportSecurityRequirement();
                // Backchannel calls get the service-wide pipeline (ServiceDefaults: GETs retried, a POST — the
                // single-use code's token request — sent once); OpenIddict's own retry would resend the POST.
                client.UseSystemNetHttp().Configure(http => http.HttpResiliencePipeline = null);
                client.UseWebProviders();
                client.AddEventHandler(RejectExpiredIdentityTokens.Descriptor);
                client.AddEventHandler(ThrowChallengeErrors.Descriptor);
                client.AddEventHandler(UsePublicRequestUri.Descriptor);
            });

        services.AddOptions<OpenIddictClientOptions>()
            .Configure<IOptions<SocialSignInOptions>, IOptions<AuthOptions>, IOptions<SessionSigningOptions>>(ConfigureClient);
        services.AddOptions<OpenIddictClientAspNetCoreOptions>()
            .Configure<IOptions<AuthOptions>>((aspNetCore, options) =>
            {
                // Binds the callback to the browser that started the flow (login CSRF). Lax like Better Auth's state cookie
                // over http; a response_mode=form_post callback is a cross-site POST, which only SameSite=None lets through.
                aspNetCore.CookieBuilder.Name = "better-auth.state";
                // Sent back to /api/auth/callback/*, not only under /api/auth/sign-in (a cookie's default path).
                aspNetCore.CookieBuilder.Path = "/";
                aspNetCore.CookieBuilder.SameSite = options.Value.UseSecureCookies ? SameSiteMode.None : SameSiteMode.Lax;
                aspNetCore.CookieBuilder.SecurePolicy = options.Value.UseSecureCookies ? CookieSecurePolicy.Always : CookieSecurePolicy.None;
            });

        services.AddResilientLoops();
        services.AddHostedService<SocialStatePruning>();
        return auth;
    }

    private static void ConfigureClient(
        OpenIddictClientOptions client, IOptions<SocialSignInOptions> social, IOptions<AuthOptions> auth, IOptions<SessionSigningOptions> signing)
    {
        client.StateTokenLifetime = social.Value.StateLifetime;

        // Every replica derives the same keys from the service's secret, so a flow started on one completes on another.
        var secret = signing.Value.Secret ?? "";
        client.EncryptionCredentials.Add(new EncryptingCredentials(
            DeriveKey(secret, "AspireAuth social sign-in state encryption"), SecurityAlgorithms.Aes256KW, SecurityAlgorithms.Aes256CbcHmacSha512));
        client.SigningCredentials.Add(new SigningCredentials(
            DeriveKey(secret, "AspireAuth social sign-in state signing"), SecurityAlgorithms.HmacSha256));

        foreach (var (id, provider) in social.Value.Providers)
        {
            var callbackPath = SocialEndpoints.CallbackPath(id);
            client.RedirectionEndpointUris.Add(new Uri(callbackPath.TrimStart('/'), UriKind.Relative));

            var registration = new OpenIddictClientRegistration
            {
                ProviderName = id,
                ProviderDisplayName = provider.DisplayName ?? id,
                ProviderType = string.IsNullOrWhiteSpace(provider.Type) ? null : WebProviderType(provider.Type),
                ProviderSettings = string.IsNullOrWhiteSpace(provider.Type) ? null : WebProviderSettings(provider.Type, provider.Settings),
                Issuer = provider.Issuer,
                ClientId = provider.ClientId,
                ClientSecret = provider.ClientSecret,
                RedirectUri = auth.Value.BaseUrl is { } baseUrl ? new Uri(baseUrl, callbackPath) : null,
                // The authorization URL carries its parameters, as Better Auth's does.
                DisablePushedAuthorizationRequests = true,
            };
            var scopes = provider.Scopes.Count > 0 || registration.ProviderType is not null ? provider.Scopes : ["openid", "email", "profile"];
            registration.Scopes.UnionWith(scopes);
            client.Registrations.Add(registration);
        }
    }

    /// <summary>OpenIddict identifies a web provider by a constant of its own, named like the provider.</summary>
    private static string WebProviderType(string type) =>
        typeof(OpenIddict.Client.WebIntegration.OpenIddictClientWebIntegrationConstants.ProviderTypes)
            .GetField(type, BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as string
        ?? throw new OptionsValidationException(SocialSignInOptions.SectionName, typeof(SocialSignInOptions),
            [$"Auth:Social: '{type}' is not an OpenIddict web provider (see OpenIddictClientWebIntegrationConstants.ProviderTypes)."]);

    /// <summary>
    /// OpenIddict's settings object of a web provider (<c>OpenIddictClientWebIntegrationSettings.{Type}</c>), filled from
    /// configuration, so Google, Microsoft, GitHub and the rest are configuration rather than code.
    /// </summary>
    private static object WebProviderSettings(string type, Dictionary<string, string> values)
    {
        var settingsType = typeof(OpenIddict.Client.WebIntegration.OpenIddictClientWebIntegrationSettings).GetNestedType(type)
            ?? throw new OptionsValidationException(SocialSignInOptions.SectionName, typeof(SocialSignInOptions),
                [$"Auth:Social: '{type}' is not an OpenIddict web provider (OpenIddictClientWebIntegrationSettings has no such type)."]);
        var settings = Activator.CreateInstance(settingsType)!;
        foreach (var (name, value) in values)
        {
            var property = settingsType.GetProperty(name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            object? converted = property?.PropertyType switch
            {
                { } t when t == typeof(string) => value,
                { } t when t == typeof(Uri) => new Uri(value, UriKind.Absolute),
                { } t when t == typeof(bool) || t == typeof(bool?) => bool.Parse(value),
                _ => throw new OptionsValidationException(SocialSignInOptions.SectionName, typeof(SocialSignInOptions),
                    [$"Auth:Social: the {type} provider has no setting '{name}' that configuration can set."]),
            };
            property!.SetValue(settings, converted);
        }

        return settings;
    }

    private static SymmetricSecurityKey DeriveKey(string secret, string purpose) =>
        new(HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret), 32, salt: [], info: Encoding.UTF8.GetBytes(purpose)));
}
