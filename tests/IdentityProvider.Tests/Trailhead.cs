using System.Buffers.Text;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AspireAuth.IdentityProvider.Pages;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.WebUtilities;

namespace AspireAuth.IdentityProvider.Tests;

/// <summary>Trailhead ID in memory, with one confidential client, and the seeded users of its appsettings.json.</summary>
public sealed class Trailhead : WebApplicationFactory<LoginModel>
{
    public const string ClientId = "aspireauth-storefront";
    public const string ClientSecret = "test-client-secret-that-is-long-enough";
    public const string RedirectUri = "https://storefront.test/api/auth/callback/trailhead";
    public const string Password = "trailhead-dev-password";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Trailhead:Clients:0:ClientId", ClientId);
        builder.UseSetting("Trailhead:Clients:0:ClientSecret", ClientSecret);
        builder.UseSetting("Trailhead:Clients:0:DisplayName", "AspireAuth storefront");
        builder.UseSetting("Trailhead:Clients:0:RedirectUris:0", RedirectUri);
    }

    /// <summary>A browser of its own (cookies), which does not follow redirects, so each hop can be checked.</summary>
    public HttpClient Browser() => CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    public static string AuthorizePath(Pkce? pkce, string state = "state-1", string nonce = "nonce-1",
        string redirectUri = RedirectUri, string clientId = ClientId, string? responseMode = null)
    {
        var parameters = new Dictionary<string, string?>
        {
            ["client_id"] = clientId,
            ["redirect_uri"] = redirectUri,
            ["response_type"] = "code",
            ["scope"] = "openid email profile",
            ["state"] = state,
            ["nonce"] = nonce,
        };
        if (pkce is not null)
        {
            parameters["code_challenge"] = pkce.Challenge;
            parameters["code_challenge_method"] = pkce.Method;
        }

        if (responseMode is not null)
        {
            parameters["response_mode"] = responseMode;
        }

        return QueryHelpers.AddQueryString("/connect/authorize", parameters);
    }

    /// <summary>Redeems a code at the token endpoint, authenticating the client with client_secret_basic or client_secret_post.</summary>
    public static async Task<HttpResponseMessage> RedeemAsync(HttpClient client, string code, string? codeVerifier, bool secretInBody = false, string secret = ClientSecret)
    {
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = RedirectUri,
        };
        if (codeVerifier is not null)
        {
            form["code_verifier"] = codeVerifier;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/connect/token", UriKind.Relative));
        if (secretInBody)
        {
            form["client_id"] = ClientId;
            form["client_secret"] = secret;
        }
        else
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(ClientId)}:{Uri.EscapeDataString(secret)}")));
        }

        request.Content = new FormUrlEncodedContent(form);
        return await client.SendAsync(request);
    }

    /// <summary>A JWT's payload, unverified (the tests that need the signature check it separately).</summary>
    public static JsonElement Payload(string jwt)
    {
        var segment = jwt.Split('.')[1];
        return JsonDocument.Parse(Base64Url.DecodeFromChars(segment)).RootElement.Clone();
    }
}

/// <summary>RFC 7636: a verifier and its S256 challenge.</summary>
public sealed record Pkce(string Verifier, string Challenge, string Method = "S256")
{
    public static Pkce Create()
    {
        var verifier = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        return new Pkce(verifier, Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
    }
}
