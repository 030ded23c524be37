using AspireAuth.ServiceDefaults.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace AspireAuth.Caching;

public static class CachingServiceCollectionExtensions
{
    /// <summary>How long a read waits for the invalidation channel before it reads the source instead.</summary>
    private static readonly TimeSpan SyncTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Binds <c>Caching:Enabled</c> (<see cref="CachingOptions"/>) and registers the <see cref="CachingModeGuard"/>. When
    /// caching is on, also the Redis invalidation feed (<see cref="InvalidationMessages.Channel"/>) that every
    /// <see cref="CoherentCache{TValue}"/> of the service listens on, its health check, the per-request
    /// <see cref="RequestSync"/> and the writers' <see cref="ChangeLeases"/>; when it is off, nothing subscribes or
    /// publishes. The Redis client must be registered too. Callers add their caches when
    /// <see cref="CachingOptions.IsEnabled"/> says so.
    /// </summary>
    public static IHostApplicationBuilder AddCaching(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        if (services.Any(service => service.ServiceType == typeof(CachingModeGuard)))
        {
            return builder;
        }

        services.AddOptions<CachingOptions>().BindConfiguration(CachingOptions.SectionName).ValidateOnStart();
        services.AddResilientLoops();
        services.AddSingleton<CachingModeGuard>();
        services.AddHostedService(provider => provider.GetRequiredService<CachingModeGuard>());
        if (!CachingOptions.IsEnabled(builder.Configuration))
        {
            return builder;
        }

        services.AddOptions<ChangeLeaseOptions>()
            .BindConfiguration(ChangeLeaseOptions.SectionName)
            .Validate(options => options.IsValid, "CoherentCaching:ChangeLeases: CommitWithin must be positive and Expiry at least twice CommitWithin.")
            .ValidateOnStart();
        services.AddSingleton(provider => new RedisInvalidationFeed(
            InvalidationMessages.Channel,
            provider.GetRequiredService<IConnectionMultiplexer>(),
            SyncTimeout,
            TimeProvider.System, // a network timeout, measured on the real clock even where tests fake the time
            provider.GetRequiredService<ILogger<RedisInvalidationFeed>>()));
        services.AddSingleton<InvalidationFeed>(provider => provider.GetRequiredService<RedisInvalidationFeed>());
        services.AddHostedService(provider => provider.GetRequiredService<RedisInvalidationFeed>());
        services.AddHealthChecks().AddCheck<InvalidationFeedHealthCheck>(InvalidationFeedHealthCheck.Name);
        services.AddScoped<RequestSync>();
        services.AddSingleton<ChangeLeases>();
        return builder;
    }
}
