using Microsoft.Extensions.Configuration;

namespace AspireAuth.Caching;

/// <summary>
/// <c>Caching:Enabled</c>: whether the service keeps sessions and carts in coherent in-process caches. Every Auth.Api and
/// Cart.Api instance sharing a Redis must use the same value (<see cref="CachingModeGuard"/> enforces it).
/// </summary>
public sealed class CachingOptions
{
    public const string SectionName = "Caching";

    /// <summary>On: reads from memory, writes announced on the invalidation channel. Off: every read goes to Redis or PostgreSQL and nothing is announced.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The value services are composed with: caches, feeds and leases are registered only when it is on, so it is read
    /// while registering (the bound <see cref="CachingOptions"/> say the same).
    /// </summary>
    public static bool IsEnabled(IConfiguration configuration) =>
        configuration.GetSection(SectionName).Get<CachingOptions>()?.Enabled ?? new CachingOptions().Enabled;
}
