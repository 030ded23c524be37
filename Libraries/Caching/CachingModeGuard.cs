using AspireAuth.ServiceDefaults.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AspireAuth.Caching;

/// <summary>
/// Keeps services with and without caching from running against the same Redis. A service that caches sessions
/// while another does not publish its changes would serve revoked sessions (and carts changed without a lease).
/// </summary>
/// <remarks>
/// Every instance records itself in Redis under its mode (<c>aspireauth:caching:on</c> or <c>:off</c>, a sorted set
/// of instance ids scored by expiry, <see cref="RecordLifetime"/>), refreshed by a background loop and removed at
/// shutdown. At start, an instance that finds a live instance of the other mode does not record itself and fails
/// its start (the check and the record are one script, so two instances starting together cannot both pass):
/// a mixed deployment cannot start. Should one appear anyway (an instance cut off from Redis for longer than a
/// record lives), every instance of it sees the conflict at its next refresh: the loop fails (Unhealthy on
/// <c>/health</c>) and an instance with caching stops trusting its caches until the conflict is gone. An instance with
/// caching also stops trusting them when a refresh fails, until one succeeds: its own record may have lapsed meanwhile.
/// What remains: an instance without caching whose record lapsed (cut off from Redis for a minute) may change data
/// unannounced until its next refresh, if an instance with caching started in that minute.
/// </remarks>
public sealed partial class CachingModeGuard(
    IConnectionMultiplexer redis,
    IOptions<CachingOptions> options,
    ResilientLoops loops,
    IServiceProvider services,
    ILogger<CachingModeGuard> logger) : BackgroundService
{
    public const string KeyPrefix = "aspireauth:caching:";

    /// <summary>How long a record lives unless refreshed (several refreshes, so a short Redis hiccup does not drop it).</summary>
    public static readonly TimeSpan RecordLifetime = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan RefreshInterval = RecordLifetime / 6;

    // KEYS: own mode's set, the other mode's set. ARGV: instance id, lifetime ms, "start" to refuse to record on a conflict.
    // Returns how many live instances run in the other mode. Times are Redis's, so hosts' clocks do not matter.
    private const string RecordScript = """
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
        local others = redis.call('ZCARD', KEYS[2])
        if others > 0 and ARGV[3] == 'start' then return others end
        redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
        redis.call('PEXPIRE', KEYS[1], ARGV[2])
        return others
        """;

    private readonly string _instance = Guid.NewGuid().ToString("N");
    private readonly bool _enabled = options.Value.Enabled;

    public static string KeyOf(bool cachingEnabled) => KeyPrefix + Mode(cachingEnabled);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Waits for Redis like the migrations wait for PostgreSQL: nothing is served before the mode is known to agree.
        long others = 0;
        await loops.RetryUntilDoneAsync("caching-mode", async _ => others = await RecordAsync(atStart: true), cancellationToken);
        if (others > 0)
        {
            throw new CachingModeConflictException(_enabled, others);
        }

        await base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        loops.RunEveryAsync("caching-mode", RefreshInterval, async _ =>
        {
            var feed = _enabled ? services.GetService<InvalidationFeed>() : null;
            long others;
            try
            {
                others = await RecordAsync(atStart: false);
            }
            catch
            {
                // This record may lapse before the next refresh, and an instance of the other mode start unseen:
                // caches are trusted again only once a refresh has found none.
                feed?.Suspend();
                throw;
            }

            if (others > 0)
            {
                feed?.Suspend();
                throw new CachingModeConflictException(_enabled, others);
            }

            feed?.Resume();
        }, stoppingToken);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            // So that a redeployment with the other mode need not wait for this record to lapse.
            await redis.GetDatabase().SortedSetRemoveAsync(KeyOf(_enabled), _instance);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException or ObjectDisposedException)
        {
            // Best effort (the Redis client may be gone already at shutdown): the record lapses on its own.
            LogNotRemoved(exception, RecordLifetime);
        }
    }

    private async Task<long> RecordAsync(bool atStart) =>
        (long)await redis.GetDatabase().ScriptEvaluateAsync(RecordScript,
            [KeyOf(_enabled), KeyOf(!_enabled)],
            [_instance, (long)RecordLifetime.TotalMilliseconds, atStart ? "start" : ""]);

    private static string Mode(bool cachingEnabled) => cachingEnabled ? "on" : "off";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove this instance's caching-mode record; it lapses within {Lifetime}")]
    private partial void LogNotRemoved(Exception exception, TimeSpan lifetime);

    private sealed class CachingModeConflictException(bool enabled, long others) : InvalidOperationException(
        $"Caching:Enabled is {(enabled ? "true" : "false")} here, but {others} live service instance(s) on the same Redis run with it " +
        $"{(enabled ? "false" : "true")}. Every Auth.Api and Cart.Api instance must use the same Caching:Enabled; stop the others first " +
        $"(a stopped instance's record lapses within {RecordLifetime.TotalSeconds:F0} s).");
}
