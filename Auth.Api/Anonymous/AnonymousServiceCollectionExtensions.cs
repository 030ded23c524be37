using AspireAuth.Auth.Api.BetterAuth;
using AspireAuth.Auth.Api.Data;
using AspireAuth.Auth.Api.Outbox;
using AspireAuth.ServiceDefaults.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AspireAuth.Auth.Api.Anonymous;

public static class AnonymousServiceCollectionExtensions
{
    /// <summary>
    /// The anonymous plugin (Better Auth's <c>anonymous()</c>): its endpoints, hooks, user field, tables, and
    /// background jobs. Options bind from <c>Auth:Anonymous</c>, then <paramref name="configure"/>.
    /// </summary>
    public static BetterAuthBuilder AddAnonymous(this BetterAuthBuilder auth, Action<AnonymousOptions>? configure = null)
    {
        var services = auth.Services;
        var options = services.AddOptions<AnonymousOptions>().BindConfiguration(AnonymousOptions.SectionName);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AnonymousRateLimitOptions>().BindConfiguration(AnonymousRateLimitOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IAuthModelContribution>(AnonymousModel.Instance);
        services.AddSingleton<IAuthPluginEndpoints, AnonymousEndpoints>();
        services.AddScoped<IAuthPlugin, AnonymousPlugin>();
        services.AddResilientLoops();
        services.AddHostedService<StaleAnonymousUserCleanup>();
        // For the admin endpoint's "clean up now": a pass shares nothing with the loop's instance.
        services.TryAddSingleton<StaleAnonymousUserCleanup>();
        services.AddSingleton<GuestSessionRevocation>();
        services.AddHostedService(provider => provider.GetRequiredService<GuestSessionRevocation>());
        services.AddSingleton<IRedisWriteLossRecovery>(provider => provider.GetRequiredService<GuestSessionRevocation>());
        return auth;
    }
}
