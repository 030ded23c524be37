using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace AspireAuth.Caching;

public static class CoherentCachingServiceCollectionExtensions
{
    /// <summary>How long a read waits for the invalidation channel before it reads the source instead.</summary>
    private static readonly TimeSpan SyncTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Registers the Redis invalidation feed (<see cref="InvalidationMessages.Channel"/>) that every
    /// <see cref="CoherentCache{TValue}"/> of the service listens on, the per-request
    /// <see cref="RequestSync"/> and the writers' <see cref="ChangeLeases"/>. The Redis client must be registered too.
    /// </summary>
    public static IServiceCollection AddCoherentCaching(this IServiceCollection services)
    {
        if (services.Any(service => service.ServiceType == typeof(RedisInvalidationFeed)))
        {
            return services;
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
        return services;
    }
}
