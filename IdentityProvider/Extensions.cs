using AspireAuth.IdentityProvider.Authorization;
using AspireAuth.IdentityProvider.Clients;
using AspireAuth.IdentityProvider.Users;
using AspireAuth.ServiceDefaults.ApiErrors;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Storage;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AspireAuth.IdentityProvider;

internal static class Extensions
{
    public static void AddTrailhead(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<TrailheadOptions>().BindConfiguration(TrailheadOptions.SectionName).ValidateDataAnnotations()
            .Validate(TrailheadOptions.ClientsAreValid,
                "Trailhead:Clients: each client needs a unique ClientId, a ClientSecret and at least one RedirectUri; redirect URIs are absolute http(s) URLs.")
            .Validate(TrailheadOptions.UsersAreValid,
                "Trailhead:Users: each user needs a unique Subject, a unique Email, a Password and a Name.")
            .ValidateOnStart();
        builder.Services.AddSingleton<UserDirectory>();
        builder.Services.AddApiExceptionHandler();

        builder.Services.AddRazorPages();
        // Every localhost port shares one cookie jar: Trailhead's cookies must not take the storefront's names.
        builder.Services.AddAntiforgery(options => options.Cookie.Name = "trailhead.antiforgery");
        builder.Services.AddAuthentication(TrailheadDefaults.CookieScheme)
            .AddCookie(TrailheadDefaults.CookieScheme, options =>
            {
                options.Cookie.Name = "trailhead.session";
                options.LoginPath = TrailheadDefaults.LoginPath;
                options.ReturnUrlParameter = "returnUrl";
                options.ExpireTimeSpan = TimeSpan.FromHours(8);
                options.SlidingExpiration = true;
            });

        // One in-memory store per host (not per process), so test hosts side by side do not share clients.
        var store = new InMemoryDatabaseRoot();
        builder.Services.AddDbContext<TrailheadDbContext>(options => options
            .UseInMemoryDatabase("trailhead", store)
            // OpenIddict wraps some deletions in transactions, which the in-memory provider ignores.
            .ConfigureWarnings(warnings => warnings.Ignore(InMemoryEventId.TransactionIgnoredWarning))
            .UseOpenIddict());

        builder.Services.AddOpenIddict()
            .AddCore(options => options.UseEntityFrameworkCore().UseDbContext<TrailheadDbContext>())
            .AddServer(options =>
            {
                options.SetAuthorizationEndpointUris(AuthorizationEndpoints.AuthorizePath)
                    .SetTokenEndpointUris(AuthorizationEndpoints.TokenPath)
                    .SetUserInfoEndpointUris(AuthorizationEndpoints.UserInfoPath)
                    .SetEndSessionEndpointUris(AuthorizationEndpoints.EndSessionPath);

                options.AllowAuthorizationCodeFlow()
                    .RequireProofKeyForCodeExchange();
                options.RegisterScopes(Scopes.Email, Scopes.Profile);
                options.RegisterClaims(Claims.Subject, Claims.Email, Claims.EmailVerified, Claims.Name);
                options.Configure(server =>
                {
                    // S256 only, and client secrets only (client_secret_basic is added by the ASP.NET Core host).
                    server.CodeChallengeMethods.Remove(CodeChallengeMethods.Plain);
                    server.ClientAuthenticationMethods.Remove(ClientAuthenticationMethods.PrivateKeyJwt);
                });

                // Self-signed certificates kept in the user's certificate store: the keys, and so the tokens and
                // the JWKS clients cached, survive restarts.
                options.AddDevelopmentEncryptionCertificate()
                    .AddDevelopmentSigningCertificate();

                options.AddEventHandler(UserInfoClaims.Descriptor);

                options.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableEndSessionEndpointPassthrough()
                    // The dev loop runs on plain http (no certificate needed): OpenIddict would refuse every
                    // request that is not https. Trailhead ID only ever runs on the developer's loopback.
                    .DisableTransportSecurityRequirement();
            });

        builder.Services.AddHostedService<ClientRegistrations>();
    }

    public static void UseTrailhead(this WebApplication app)
    {
        app.UseApiExceptionHandler();
        app.UseAuthentication();
    }

    public static void MapTrailhead(this WebApplication app)
    {
        app.MapRazorPages();
        app.MapAuthorizationEndpoints();
    }
}
