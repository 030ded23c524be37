using AspireAuth.Auth.Api.BetterAuth;
using AspireAuth.Auth.Api.Social;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenIddict.Client;
using OpenIddict.Client.WebIntegration;
using Xunit;

namespace AspireAuth.UnitTests.Auth;

/// <summary>Identity providers are configuration: a generic OpenID Connect issuer, or one of OpenIddict's web providers by name.</summary>
public sealed class SocialProviderConfigurationTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Development" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Auth:BaseUrl"] = "https://shop.example",
            ["Auth:Secret"] = new string('s', 48),
        }.Concat(settings));
        builder.AddBetterAuth().AddSocialSignIn();
        return builder.Services.BuildServiceProvider();
    }

    [Fact]
    public void Generic_and_web_providers_become_registrations_with_the_public_callback()
    {
        using var services = Build(new()
        {
            ["Auth:Social:Providers:keycloak:Issuer"] = "https://id.example/realms/shop",
            ["Auth:Social:Providers:keycloak:ClientId"] = "shop",
            ["Auth:Social:Providers:github:Type"] = "GitHub",
            ["Auth:Social:Providers:github:ClientId"] = "gh-client",
            ["Auth:Social:Providers:github:ClientSecret"] = "gh-secret",
            ["Auth:Social:Providers:entra:Type"] = "Microsoft",
            ["Auth:Social:Providers:entra:ClientId"] = "entra-client",
            ["Auth:Social:Providers:entra:Settings:Tenant"] = "contoso.onmicrosoft.com",
        });

        var client = services.GetRequiredService<IOptionsMonitor<OpenIddictClientOptions>>().CurrentValue;

        var keycloak = Assert.Single(client.Registrations, r => r.ProviderName == "keycloak");
        Assert.Equal(new Uri("https://id.example/realms/shop"), keycloak.Issuer);
        Assert.Equal(new Uri("https://shop.example/api/auth/callback/keycloak"), keycloak.RedirectUri);
        Assert.Contains("openid", keycloak.Scopes);
        Assert.Contains("email", keycloak.Scopes);

        var github = Assert.Single(client.Registrations, r => r.ProviderName == "github");
        Assert.Equal("github.com", github.Issuer?.Host);
        Assert.Equal(new Uri("https://shop.example/api/auth/callback/github"), github.RedirectUri);

        var entra = Assert.Single(client.Registrations, r => r.ProviderName == "entra");
        Assert.Equal("contoso.onmicrosoft.com", Assert.IsType<OpenIddictClientWebIntegrationSettings.Microsoft>(entra.ProviderSettings).Tenant);

        // The callbacks are served where Web forwards them, whatever host Auth.Api itself answers on.
        Assert.Contains(new Uri("api/auth/callback/github", UriKind.Relative), client.RedirectionEndpointUris);
    }

    [Theory]
    [InlineData("Auth:Social:Providers:Bad_Id:Issuer", "https://id.example")]
    [InlineData("Auth:Social:Providers:noclient:Issuer", "https://id.example")]
    public void A_provider_without_a_valid_id_or_client_id_stops_the_start(string key, string value)
    {
        using var services = Build(new() { [key] = value });

        var failure = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<SocialSignInOptions>>().Value);
        Assert.Contains("Auth:Social:Providers", failure.Message);
    }

    [Fact]
    public void An_unknown_web_provider_type_says_so()
    {
        using var services = Build(new()
        {
            ["Auth:Social:Providers:acme:Type"] = "NoSuchProvider",
            ["Auth:Social:Providers:acme:ClientId"] = "x",
        });

        var failure = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptionsMonitor<OpenIddictClientOptions>>().CurrentValue);
        Assert.Contains("NoSuchProvider", failure.Message);
    }
}
