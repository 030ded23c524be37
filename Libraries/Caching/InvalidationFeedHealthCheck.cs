using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AspireAuth.Caching;

/// <summary>
/// Degraded while the invalidation feed cannot vouch for its caches: the service still answers correctly,
/// from Redis and PostgreSQL, only without its in-memory reads.
/// </summary>
public sealed class InvalidationFeedHealthCheck(InvalidationFeed feed) : IHealthCheck
{
    public const string Name = "invalidation-feed";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(feed.IsInSync
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Degraded($"The {feed.Name} feed is out of sync: caches are bypassed until it syncs again."));
}
