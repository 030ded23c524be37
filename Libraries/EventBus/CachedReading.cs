using OpenTelemetry;

namespace AspireAuth.EventBus;

/// <summary>
/// A value read from Redis or PostgreSQL by whoever asks for it (a gauge's callback, a health check), never by the loop
/// it is about: a stuck or dead loop cannot report that all is well. Read at most every <c>maxAge</c>, each read bounded
/// by <c>timeout</c>; a read that fails or times out gives a <see cref="Reading{T}"/> with the error, never an exception.
/// </summary>
public sealed class CachedReading<T>(Func<CancellationToken, Task<T>> read, TimeSpan maxAge, TimeSpan timeout, TimeProvider time)
    where T : class
{
    private readonly Lock _gate = new();
    private Reading<T>? _last;
    private Task<Reading<T>>? _reading;

    /// <summary>The latest value, without waiting (for gauge callbacks, which must not block the exporter); starts a read if it is stale.</summary>
    public T? Peek()
    {
        var last = _last;
        if (last is null || IsStale(last))
        {
            _ = ReadOnceAsync();
        }

        return last?.Value;
    }

    /// <summary>A reading at most <c>maxAge</c> old, waiting (at most <c>timeout</c>) for a new one if needed.</summary>
    public async Task<Reading<T>> GetAsync()
    {
        var last = _last;
        return last is not null && !IsStale(last) ? last : await ReadOnceAsync();
    }

    private bool IsStale(Reading<T> reading) => time.GetUtcNow() - reading.ReadAt >= maxAge;

    /// <summary>Joins the read under way, or starts one: callers arriving together cause one read.</summary>
    private Task<Reading<T>> ReadOnceAsync()
    {
        lock (_gate)
        {
            // Run apart: a read that completes at once must not clear _reading before it is set.
            return _reading ??= Task.Run(ReadAsync);
        }
    }

    private async Task<Reading<T>> ReadAsync()
    {
        Reading<T> reading;
        // Not part of any request and regular as a clock: traces of these reads would only be noise.
        using (SuppressInstrumentationScope.Begin())
        {
            try
            {
                using var cancellation = new CancellationTokenSource(timeout, time);
                var value = await read(cancellation.Token).WaitAsync(timeout, time);
                reading = new Reading<T>(value, null, time.GetUtcNow());
            }
            catch (Exception exception)
            {
                reading = new Reading<T>(null, exception, time.GetUtcNow());
            }
        }

        lock (_gate)
        {
            _last = reading;
            _reading = null;
        }

        return reading;
    }
}

/// <summary>What one read found: the value, or why there is none.</summary>
public sealed record Reading<T>(T? Value, Exception? Error, DateTimeOffset ReadAt)
    where T : class;
