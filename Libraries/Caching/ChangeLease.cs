using AspireAuth.ServiceDefaults.ApiErrors;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AspireAuth.Caching;

/// <summary>How long a change announced under a <see cref="ChangeLease"/> may take. Every replica must use the same values.</summary>
public sealed class ChangeLeaseOptions
{
    public const string SectionName = "CoherentCaching:ChangeLeases";

    public static readonly TimeSpan DefaultExpiry = TimeSpan.FromSeconds(15);

    /// <summary>A leased change commits within this long of announcing itself, or not at all.</summary>
    public TimeSpan CommitWithin { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long readers hold an announced key at most. Well over <see cref="CommitWithin"/>, so that
    /// a change whose "changed" was lost has surely committed or failed when its hold ends.
    /// </summary>
    public TimeSpan Expiry { get; set; } = DefaultExpiry;

    internal bool IsValid => CommitWithin > TimeSpan.Zero && Expiry >= 2 * CommitWithin;
}

/// <summary>Starts <see cref="ChangeLease"/>s: the way a database change keeps Redis-fed caches coherent.</summary>
public sealed partial class ChangeLeases(IConnectionMultiplexer redis, IOptions<ChangeLeaseOptions> options, ILogger<ChangeLeases> logger)
{
    private static readonly RedisChannel Channel = RedisChannel.Literal(InvalidationMessages.Channel);

    private readonly ChangeLeaseOptions _options = options.Value;

    /// <summary>
    /// Announces that <paramref name="keys"/> of <paramref name="keyspace"/> are changing; returns once every
    /// replica's feed has the announcement. Commit the change with <see cref="ChangeLease.CommitAsync"/>.
    /// </summary>
    public async Task<ChangeLease> BeginAsync(string keyspace, params string[] keys)
    {
        // Started before the announcement: readers time their holds from later, when it arrives.
        var startedAt = TimeProvider.System.GetTimestamp();
        var subscriber = redis.GetSubscriber();
        await Task.WhenAll(keys.Select(key => subscriber.PublishAsync(Channel, InvalidationMessages.Changing(keyspace, key))));
        return new ChangeLease(this, keyspace, keys, startedAt);
    }

    internal void EnsureCanCommit(long startedAt)
    {
        var elapsed = TimeProvider.System.GetElapsedTime(startedAt);
        if (elapsed > _options.CommitWithin)
        {
            throw new ChangeLeaseExpiredException(elapsed, _options.CommitWithin);
        }
    }

    internal async Task AnnounceDoneAsync(string keyspace, string[] keys)
    {
        try
        {
            var subscriber = redis.GetSubscriber();
            await Task.WhenAll(keys.Select(key => subscriber.PublishAsync(Channel, InvalidationMessages.ChangeDone(keyspace, key))));
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            // The change itself is done; readers keep the keys held until the lease expires, then read the outcome.
            LogChangeDoneNotAnnounced(exception, keyspace, _options.Expiry);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A change in {Keyspace} could not be announced as done; its keys stay uncached for up to {Expiry}")]
    private partial void LogChangeDoneNotAnnounced(Exception exception, string keyspace, TimeSpan expiry);
}

/// <summary>
/// A change under way: its keys were announced as changing, and caches read them from the source
/// until it is disposed (which announces it done) or its lease expires.
/// </summary>
public sealed class ChangeLease : IAsyncDisposable
{
    private readonly ChangeLeases _leases;
    private readonly string _keyspace;
    private readonly string[] _keys;
    private readonly long _startedAt;

    internal ChangeLease(ChangeLeases leases, string keyspace, string[] keys, long startedAt)
    {
        _leases = leases;
        _keyspace = keyspace;
        _keys = keys;
        _startedAt = startedAt;
    }

    /// <summary>Commits <paramref name="transaction"/> unless the lease has run out (then nothing is committed).</summary>
    public async Task CommitAsync(IDbContextTransaction transaction, CancellationToken cancellationToken)
    {
        _leases.EnsureCanCommit(_startedAt);
        await transaction.CommitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync() => await _leases.AnnounceDoneAsync(_keyspace, _keys);
}

/// <summary>A change took longer than its lease allows and was not committed; it can be retried.</summary>
public sealed class ChangeLeaseExpiredException(TimeSpan elapsed, TimeSpan allowed) : ServiceUnavailableException(
    "CHANGE_TIMED_OUT",
    "The change took too long and was not made; try again",
    $"The change took {elapsed.TotalMilliseconds:F0} ms, over the {allowed.TotalMilliseconds:F0} ms its lease allows; it was not committed.");
