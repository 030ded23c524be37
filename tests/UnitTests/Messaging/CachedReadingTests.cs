using AspireAuth.EventBus;

namespace AspireAuth.UnitTests.Messaging;

/// <summary>What gauges and pipeline checks rely on: a reading never throws, never hangs past its timeout, and is shared.</summary>
public sealed class CachedReadingTests
{
    [Fact]
    public async Task A_read_that_throws_gives_the_error_and_the_gauge_nothing()
    {
        var reading = new CachedReading<string>(_ => throw new InvalidOperationException("Redis is down"),
            TimeSpan.Zero, TimeSpan.FromSeconds(5), TimeProvider.System);

        var result = await reading.GetAsync();

        Assert.Null(result.Value);
        Assert.Equal("Redis is down", Assert.IsType<InvalidOperationException>(result.Error).Message);
        Assert.Null(reading.Peek());
    }

    [Fact]
    public async Task A_read_that_hangs_is_given_up_after_its_timeout()
    {
        var reading = new CachedReading<string>(async cancellationToken =>
        {
            await Task.Delay(Timeout.Infinite, CancellationToken.None);
            return "never";
        }, TimeSpan.Zero, TimeSpan.FromMilliseconds(100), TimeProvider.System);

        var result = await reading.GetAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Null(result.Value);
        Assert.IsType<TimeoutException>(result.Error);
    }

    [Fact]
    public async Task Callers_within_max_age_share_one_read()
    {
        var reads = 0;
        var release = new TaskCompletionSource();
        var reading = new CachedReading<string>(async _ =>
        {
            Interlocked.Increment(ref reads);
            await release.Task;
            return "state";
        }, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(10), TimeProvider.System);

        var first = reading.GetAsync();
        var second = reading.GetAsync();
        Assert.Null(reading.Peek());
        release.SetResult();

        Assert.Equal("state", (await first).Value);
        Assert.Equal("state", (await second).Value);
        Assert.Equal("state", reading.Peek());
        Assert.Equal("state", (await reading.GetAsync()).Value);
        Assert.Equal(1, reads);
    }
}
