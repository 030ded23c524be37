using System.Collections.Concurrent;
using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AspireAuth.Auth.Api.Tests;

/// <summary>What the stub does wrong in the next ID token it issues, so the client's validation has something to refuse.</summary>
public enum IdTokenTamper
{
    None,
    BadSignature,
    WrongIssuer,
    WrongAudience,
    Expired,
    NonceMismatch,
    NonceMissing,
    NoSignature,
}

/// <summary>Who signs in at the stub.</summary>
public sealed record StubIdentity(string Subject, string Email, bool EmailVerified = true, string Name = "Stub User")
{
    public static StubIdentity Unique(bool emailVerified = true) => new($"sub-{Guid.NewGuid():N}", $"oidc+{Guid.NewGuid():N}@example.com", emailVerified);
}

/// <summary>What Auth.Api sent the browser to the provider with.</summary>
public sealed record StubAuthorization(
    string ClientId, string RedirectUri, string State, string? Nonce, string CodeChallenge, string CodeChallengeMethod, string Scope);

/// <summary>
/// An OpenID provider on a real loopback port, as Auth.Api's OpenIddict client meets one: discovery, JWKS, an
/// authorization endpoint that signs the configured identity in without a login page, and a token endpoint that checks
/// the code, the PKCE verifier and the client credentials before it issues an RS256 ID token.
/// </summary>
public sealed class StubOpenIdProvider : IAsyncDisposable
{
    public const string ClientSecret = "stub-client-secret";

    private readonly WebApplication _app;
    private readonly RsaSecurityKey _signingKey = NewKey("stub-key");
    // The same key id as the real key: the client finds "its" key and must reject the signature itself.
    private readonly RsaSecurityKey _foreignKey = NewKey("stub-key");
    private readonly ConcurrentDictionary<string, (StubAuthorization Authorization, StubIdentity Identity)> _codes = new();
    private readonly ConcurrentQueue<StubAuthorization> _authorizations = new();
    private int _tokenRequests;

    private StubOpenIdProvider(WebApplication app, string clientId)
    {
        _app = app;
        ClientId = clientId;
    }

    public string ClientId { get; }

    /// <summary>The issuer, as discovery names it and the ID token says (with its trailing slash).</summary>
    public Uri Issuer { get; private set; } = null!;

    /// <summary>Who the next authorization signs in.</summary>
    public StubIdentity Identity { get; set; } = StubIdentity.Unique();

    /// <summary>What is wrong with the next ID token; reset to <see cref="IdTokenTamper.None"/> once used.</summary>
    public IdTokenTamper NextTamper { get; set; }

    public IReadOnlyCollection<StubAuthorization> Authorizations => _authorizations;

    public int TokenRequests => Volatile.Read(ref _tokenRequests);

    public static async Task<StubOpenIdProvider> StartAsync(string clientId)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var stub = new StubOpenIdProvider(app, clientId);
        stub.Map(app);
        await app.StartAsync();
        var address = Assert.Single(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses);
        stub.Issuer = new Uri(address.TrimEnd('/') + "/");
        return stub;
    }

    /// <summary>The settings that register this stub as provider <paramref name="id"/> of Auth.Api.</summary>
    public Dictionary<string, string?> ProviderSettings(string id, bool trustedForLinking = true) => new()
    {
        [$"Auth:Social:Providers:{id}:Issuer"] = Issuer.ToString(),
        [$"Auth:Social:Providers:{id}:ClientId"] = ClientId,
        [$"Auth:Social:Providers:{id}:ClientSecret"] = ClientSecret,
        [$"Auth:Social:Providers:{id}:DisplayName"] = $"Stub {id}",
        [$"Auth:Social:Providers:{id}:TrustedForLinking"] = trustedForLinking ? "true" : "false",
    };

    /// <summary>
    /// Plays the browser at the provider: follows Auth.Api's authorization URL and returns where the provider sends
    /// the browser back (Auth.Api's callback with code and state), as a path and query on Auth.Api.
    /// </summary>
    public async Task<string> AuthorizeAsync(string authorizationUrl)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var response = await http.GetAsync(authorizationUrl);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var callback = response.Headers.Location!;
        return callback.PathAndQuery;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _signingKey.Rsa.Dispose();
        _foreignKey.Rsa.Dispose();
    }

    private void Map(WebApplication app)
    {
        app.MapGet("/.well-known/openid-configuration", () => Results.Text($$"""
            {
              "issuer": "{{Issuer}}",
              "authorization_endpoint": "{{Issuer}}authorize",
              "token_endpoint": "{{Issuer}}token",
              "jwks_uri": "{{Issuer}}jwks",
              "response_types_supported": ["code"],
              "response_modes_supported": ["query"],
              "grant_types_supported": ["authorization_code"],
              "code_challenge_methods_supported": ["S256"],
              "id_token_signing_alg_values_supported": ["RS256"],
              "subject_types_supported": ["public"],
              "scopes_supported": ["openid", "email", "profile"],
              "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"]
            }
            """, "application/json"));

        app.MapGet("/jwks", () =>
        {
            var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(_signingKey.Rsa.ExportParameters(false)) { KeyId = _signingKey.KeyId });
            return Results.Json(new { keys = new[] { new { kty = "RSA", use = "sig", alg = "RS256", kid = jwk.Kid, n = jwk.N, e = jwk.E } } });
        });

        app.MapGet("/authorize", (HttpRequest request) =>
        {
            string? Query(string name) => request.Query[name].FirstOrDefault();
            var authorization = new StubAuthorization(
                Query("client_id") ?? "", Query("redirect_uri") ?? "", Query("state") ?? "", Query("nonce"),
                Query("code_challenge") ?? "", Query("code_challenge_method") ?? "", Query("scope") ?? "");
            _authorizations.Enqueue(authorization);
            if (authorization.ClientId != ClientId || Query("response_type") != "code" || authorization.RedirectUri.Length == 0)
            {
                return Results.BadRequest();
            }

            var code = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
            _codes[code] = (authorization, Identity);
            return Results.Redirect(QueryHelpers.AddQueryString(authorization.RedirectUri,
                new Dictionary<string, string?> { ["code"] = code, ["state"] = authorization.State }));
        });

        app.MapPost("/token", async (HttpRequest request) =>
        {
            Interlocked.Increment(ref _tokenRequests);
            var form = await request.ReadFormAsync();
            var (clientId, clientSecret) = ClientCredentials(request, form);
            if (clientId != ClientId || clientSecret != ClientSecret)
            {
                return Results.Json(new { error = "invalid_client" }, statusCode: StatusCodes.Status401Unauthorized);
            }

            // Single use, as a real provider's code is.
            if (form["grant_type"] != "authorization_code" || !_codes.TryRemove(form["code"].ToString(), out var issued)
                || issued.Authorization.RedirectUri != form["redirect_uri"]
                || issued.Authorization.CodeChallengeMethod != "S256"
                || issued.Authorization.CodeChallenge != Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(form["code_verifier"].ToString()))))
            {
                return Results.Json(new { error = "invalid_grant" }, statusCode: StatusCodes.Status400BadRequest);
            }

            var tamper = NextTamper;
            NextTamper = IdTokenTamper.None;
            return Results.Json(new
            {
                access_token = $"stub-access-{Guid.NewGuid():N}",
                token_type = "Bearer",
                expires_in = 3600,
                id_token = IdToken(issued.Authorization, issued.Identity, tamper),
            });
        });
    }

    private string IdToken(StubAuthorization authorization, StubIdentity identity, IdTokenTamper tamper)
    {
        var now = DateTime.UtcNow;
        var expires = tamper == IdTokenTamper.Expired ? now.AddHours(-1) : now.AddMinutes(5);
        var issuedAt = tamper == IdTokenTamper.Expired ? now.AddHours(-2) : now;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = tamper == IdTokenTamper.WrongIssuer ? "http://evil.example/" : Issuer.ToString(),
            Audience = tamper == IdTokenTamper.WrongAudience ? "someone-else" : ClientId,
            IssuedAt = issuedAt,
            NotBefore = issuedAt,
            Expires = expires,
            SigningCredentials = tamper == IdTokenTamper.NoSignature
                ? null
                : new SigningCredentials(tamper == IdTokenTamper.BadSignature ? _foreignKey : _signingKey, SecurityAlgorithms.RsaSha256),
            Subject = new ClaimsIdentity(
            [
                new Claim("sub", identity.Subject),
                new Claim("email", identity.Email),
                new Claim("email_verified", identity.EmailVerified ? "true" : "false", ClaimValueTypes.Boolean),
                new Claim("name", identity.Name),
            ]),
        };
        var nonce = tamper switch
        {
            IdTokenTamper.NonceMismatch => Guid.NewGuid().ToString("N"),
            IdTokenTamper.NonceMissing => null,
            _ => authorization.Nonce,
        };
        if (nonce is not null)
        {
            descriptor.Claims = new Dictionary<string, object> { ["nonce"] = nonce };
        }

        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    private static (string? Id, string? Secret) ClientCredentials(HttpRequest request, IFormCollection form)
    {
        if (request.Headers.Authorization.ToString() is { Length: > 6 } header && header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..])).Split(':', 2);
            return (Uri.UnescapeDataString(pair[0]), pair.Length > 1 ? Uri.UnescapeDataString(pair[1]) : null);
        }

        return (form["client_id"], form["client_secret"]);
    }

    private static RsaSecurityKey NewKey(string keyId) => new(RSA.Create(2048)) { KeyId = keyId };
}
