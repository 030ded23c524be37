using System.Diagnostics.Metrics;
using StackExchange.Redis;

namespace AspireAuth.EventBus;

/// <summary>
/// The length of a Redis stream for an observable gauge, whose callback must neither block the exporter nor throw: it
/// answers from a copy read in the background at most every <paramref name="maxAge"/>, and reports nothing while the
/// length is unknown (not read yet, or the last read failed) rather than a stale or made-up number.
/// </summary>
internal sealed class CachedStreamLength(IConnectionMultiplexer redis, RedisKey key, TimeSpan maxAge, TimeProvider time)
{
    private readonly Lock _gate = new();
    private long? _length;
    private DateTimeOffset _readAt = DateTimeOffset.MinValue;
    private bool _reading;

    public IEnumerable<Measurement<long>> Observe()
    {
        long? length;
        bool read;
        lock (_gate)
        {
            read = !_reading && time.GetUtcNow() - _readAt >= maxAge;
            _reading |= read;
            length = _length;
        }

        if (read)
        {
            _ = ReadAsync();
        }

        return length is { } value ? [new Measurement<long>(value)] : [];
    }

    private async Task ReadAsync()
    {
        long? length = null;
        try
        {
            length = await redis.GetDatabase().StreamLengthAsync(key);
        }
        catch (Exception)
        {
            // Redis is unavailable: the gauge reports nothing until it can be read again.
        }

        lock (_gate)
        {
            _length = length;
            _readAt = time.GetUtcNow();
            _reading = false;
        }
    }
}
