using System.Diagnostics.Metrics;
using System.Threading.Channels;
using AspireAuth.ServiceDefaults.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AspireAuth.UnitTests.Hosting;

public sealed class ResilientLoopsTests : IDisposable
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(4);

    private readonly FakeTimeProvider _time = new();
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly MeterListener _listener = new();
    private readonly ResilientLoops _loops;
    private readonly Channel<int> _calls = Channel.CreateUnbounded<int>();
    private long _failuresCounted;

    public ResilientLoopsTests()
    {
        var meters = _services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Scope == meters && instrument.Name == "aspireauth.background.failures")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            if (tags.ToArray().Any(tag => tag is { Key: "loop", Value: "test-loop" }))
            {
                Interlocked.Add(ref _failuresCounted, value);
            }
        });
        _listener.Start();
        _loops = new ResilientLoops(
            Options.Create(new ResilientLoopOptions { InitialBackoff = TimeSpan.FromSeconds(1), MaxBackoff = MaxBackoff, UnhealthyAfter = TimeSpan.FromSeconds(10) }),
            meters, _time, NullLogger<ResilientLoops>.Instance);
    }

    public void Dispose()
    {
        _listener.Dispose();
        _services.Dispose();
    }

    [Fact]
    public async Task A_failing_loop_backs_off_retries_counts_each_failure_and_turns_unhealthy()
    {
        using var stopping = new CancellationTokenSource();
        var call = 0;
        var run = _loops.RunUntilStoppedAsync("test-loop", async cancellationToken =>
        {
            var current = Interlocked.Increment(ref call);
            _calls.Writer.TryWrite(current);
            if (current <= 4)
            {
                throw new InvalidOperationException($"failure {current}");
            }

            // Healthy work: waits for more until stopped.
            await Task.Delay(Timeout.InfiniteTimeSpan, _time, cancellationToken);
        }, stopping.Token);

        Assert.Equal(1, await NextCallAsync());
        Assert.Equal(HealthStatus.Degraded, await HealthAsync());
        for (var expected = 2; expected <= 4; expected++)
        {
            Assert.Equal(expected, await AdvanceUntilNextCallAsync());
        }

        Assert.Equal(4, Interlocked.Read(ref _failuresCounted));
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(HealthStatus.Unhealthy, await HealthAsync());

        Assert.Equal(5, await AdvanceUntilNextCallAsync());
        Assert.False(run.IsCompleted);

        await stopping.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(4, Interlocked.Read(ref _failuresCounted));
    }

    [Fact]
    public async Task An_iteration_that_succeeds_makes_the_loop_healthy_again()
    {
        using var stopping = new CancellationTokenSource();
        var call = 0;
        var run = _loops.RunUntilStoppedAsync("test-loop", async cancellationToken =>
        {
            var current = Interlocked.Increment(ref call);
            _calls.Writer.TryWrite(current);
            if (current == 1)
            {
                throw new TimeoutException("the database did not answer");
            }

            if (current > 2)
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, _time, cancellationToken);
            }
        }, stopping.Token);

        Assert.Equal(1, await NextCallAsync());
        Assert.Equal(HealthStatus.Degraded, await HealthAsync());
        Assert.Equal(2, await AdvanceUntilNextCallAsync());
        Assert.Equal(3, await NextCallAsync());
        Assert.Equal(HealthStatus.Healthy, await HealthAsync());

        await stopping.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Shutdown_during_the_backoff_ends_the_loop_quietly()
    {
        using var stopping = new CancellationTokenSource();
        var run = _loops.RunUntilStoppedAsync("test-loop", _ =>
        {
            _calls.Writer.TryWrite(1);
            throw new InvalidOperationException("always");
        }, stopping.Token);

        await NextCallAsync();
        await stopping.CancelAsync();

        await run.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(run.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Start_up_work_is_retried_until_it_succeeds_once()
    {
        var call = 0;
        var done = _loops.RetryUntilDoneAsync("test-loop", _ =>
        {
            var current = Interlocked.Increment(ref call);
            _calls.Writer.TryWrite(current);
            return current < 3 ? throw new TimeoutException("not up yet") : Task.CompletedTask;
        }, CancellationToken.None);

        Assert.Equal(1, await NextCallAsync());
        Assert.Equal(2, await AdvanceUntilNextCallAsync());
        Assert.Equal(3, await AdvanceUntilNextCallAsync());
        await done.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(HealthStatus.Healthy, await HealthAsync());
        Assert.Equal(2, Interlocked.Read(ref _failuresCounted));
    }

    [Fact]
    public async Task A_periodic_pass_runs_at_once_is_retried_after_the_backoff_when_it_fails_then_waits_for_the_interval()
    {
        using var stopping = new CancellationTokenSource();
        var interval = TimeSpan.FromHours(1);
        var started = _time.GetUtcNow();
        var calledAt = new List<DateTimeOffset>();
        var run = _loops.RunEveryAsync("test-loop", interval, _ =>
        {
            calledAt.Add(_time.GetUtcNow());
            _calls.Writer.TryWrite(calledAt.Count);
            return calledAt.Count == 1 ? throw new TimeoutException("database down") : Task.CompletedTask;
        }, stopping.Token);

        Assert.Equal(1, await NextCallAsync());
        Assert.Equal(2, await AdvanceUntilNextCallAsync());
        Assert.Equal(HealthStatus.Healthy, await HealthAsync());
        _time.Advance(interval);
        Assert.Equal(3, await NextCallAsync());

        Assert.Equal(started, calledAt[0]);
        Assert.InRange(calledAt[1] - calledAt[0], TimeSpan.Zero, MaxBackoff);
        Assert.True(calledAt[2] - calledAt[1] >= interval - MaxBackoff, "the pass after a success waits for the next tick");
        await stopping.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Start_up_work_stops_retrying_when_the_host_stops()
    {
        using var stopping = new CancellationTokenSource();
        var done = _loops.RetryUntilDoneAsync("test-loop", _ =>
        {
            _calls.Writer.TryWrite(1);
            throw new TimeoutException("never up");
        }, stopping.Token);

        await NextCallAsync();
        await stopping.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => done.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    private async Task<HealthStatus> HealthAsync() => (await _loops.CheckHealthAsync(new HealthCheckContext())).Status;

    private async Task<int> NextCallAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        return await _calls.Reader.ReadAsync(timeout.Token);
    }

    /// <summary>Moves the clock on (never further than the longest backoff at once) until the loop calls again.</summary>
    private async Task<int> AdvanceUntilNextCallAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (true)
        {
            _time.Advance(MaxBackoff / 8);
            using var tick = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
            tick.CancelAfter(TimeSpan.FromMilliseconds(20));
            try
            {
                return await _calls.Reader.ReadAsync(tick.Token);
            }
            catch (OperationCanceledException) when (!timeout.IsCancellationRequested)
            {
            }
        }
    }
}
