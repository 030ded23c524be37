using AspireAuth.Auth.Api.Data;
using AspireAuth.SessionValidation;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.EntityFrameworkCore;

namespace AspireAuth.Auth.Api.BetterAuth;

/// <summary>Returned by <see cref="BetterAuthServiceCollectionExtensions.AddBetterAuth"/> to switch plugins on.</summary>
public sealed class BetterAuthBuilder(IHostApplicationBuilder host)
{
    public IHostApplicationBuilder Host { get; } = host;

    public IServiceCollection Services => Host.Services;
}

public static class BetterAuthServiceCollectionExtensions
{
    /// <summary>Better Auth's core: e-mail and password, sessions in Redis, its cookies and cross-site rules.</summary>
    public static BetterAuthBuilder AddBetterAuth(this IHostApplicationBuilder builder)
    {
        var services = builder.AddSessionLookup().Services;
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.SectionName)
            // An entry may list several addresses, comma-separated, as one deployment parameter gives them; empty lists none.
            .PostConfigure(options => options.TrustedProxies =
                [.. options.TrustedProxies.SelectMany(entry => entry.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))])
            .ValidateDataAnnotations()
            .Validate(options => options.TrustedProxies.TrueForAll(address => System.Net.IPAddress.TryParse(address, out _)),
                "Auth:RateLimit:TrustedProxies must hold IP addresses.")
            .ValidateOnStart();
        services.AddOptions<FailedSignInOptions>().BindConfiguration(FailedSignInOptions.SectionName).ValidateDataAnnotations()
            .Validate(options => options.MaxLockout >= options.FirstLockout, "Auth:RateLimit:FailedSignIn:MaxLockout must not be shorter than FirstLockout.")
            .ValidateOnStart();

        // The rate limits read the socket's peer and believe X-Forwarded-For only from Auth:RateLimit:TrustedProxies,
        // so the forwarded-headers middleware (which ASPNETCORE_FORWARDEDHEADERS_ENABLED switches on) must never
        // replace that peer, whatever else is configured.
        services.PostConfigure<ForwardedHeadersOptions>(options => options.ForwardedHeaders = ForwardedHeaders.None);

        services.AddSingleton<PasswordHasher>();
        services.AddSingleton<JsonBody>();
        services.AddSingleton<AuthCookies>();
        services.AddSingleton<SessionStore>();
        services.AddSingleton<OriginGuard>();
        services.AddSingleton<RateLimitFilter>();
        services.AddSingleton<FailedSignInLimiter>();
        services.AddScoped<SessionIssuer>();
        // Whatever plugins register by the time the options are first built (the app's start) are in the model.
        services.ConfigureDbContext<AuthDbContext>((provider, db) => db.UseAuthModel(provider.GetServices<IAuthModelContribution>()));
        return new BetterAuthBuilder(builder);
    }
}
