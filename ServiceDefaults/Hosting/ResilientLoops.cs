using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AspireAuth.ServiceDefaults.Hosting;

/// <summary>
/// Runs background work so that no exception but shutdown ends it: a failure is logged, counted
/// (<c>aspireauth.background.failures</c>, tagged with the loop), reported through <c>/health</c> (Degraded, then
/// Unhealthy after <see cref="ResilientLoopOptions.UnhealthyAfter"/>) and retried after a bounded exponential
/// backoff with jitter; the next success makes the loop Healthy again.
/// </summary>
/// <example>
/// <code>
/// internal sealed class OutboxRelay(ResilientLoops loops, ...) : BackgroundService
/// {
///     protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
///         loops.RunUntilStoppedAsync("outbox-relay", RelayOnceAsync, stoppingToken);
/// }
/// </code>
/// </example>
public sealed partial class ResilientLoops : IHealthCheck
{
    public const string HealthCheckName = "background-loops";

    private readonly ResilientLoopOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ResilientLoops> _logger;
    private readonly Counter<long> _failures;
    private readonly ConcurrentDictionary<string, Failing> _failing = new(StringComparer.Ordinal);

    public ResilientLoops(IOptions<ResilientLoopOptions> options, IMeterFactory meters, TimeProvider time, ILogger<ResilientLoops> logger)
    {
        _options = options.Value;
        _time = time;
        _logger = logger;
        _failures = meters.Create(AspireAuthTelemetry.MeterName).CreateCounter<long>(
            "aspireauth.background.failures", "{failure}", "Failed iterations of background loops (each is retried after a backoff)");
    }

    /// <summary>
    /// Runs <paramref name="pass"/> now and then every <paramref name="interval"/> until <paramref name="stoppingToken"/> is
    /// cancelled. A pass that fails is retried after the backoff, not at the next tick, and counts as progress once it succeeds.
    /// </summary>
    public async Task RunEveryAsync(string name, TimeSpan interval, Func<CancellationToken, Task> pass, CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval, _time);
        var due = true;
        await RunUntilStoppedAsync(name, async cancellationToken =>
        {
            if (!due)
            {
                await timer.WaitForNextTickAsync(cancellationToken);
            }

            due = true;
            await pass(cancellationToken);
            due = false;
        }, stoppingToken);
    }

    /// <summary>
    /// Calls <paramref name="iteration"/> again and again until <paramref name="stoppingToken"/> is cancelled. An
    /// iteration does one unit of work, including any wait for more; returning counts as progress.
    /// </summary>
    public async Task RunUntilStoppedAsync(string name, Func<CancellationToken, Task> iteration, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan backoff;
            try
            {
                await iteration(stoppingToken);
                Succeeded(name);
                continue;
            }
            catch (Exception) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                backoff = Failed(name, exception);
            }

            try
            {
                await Task.Delay(backoff, _time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="attempt"/> until it succeeds once (e.g. start-up work while a database is still down);
    /// throws <see cref="OperationCanceledException"/> if <paramref name="cancellationToken"/> is cancelled first.
    /// </summary>
    public async Task RetryUntilDoneAsync(string name, Func<CancellationToken, Task> attempt, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                await attempt(cancellationToken);
                Succeeded(name);
                return;
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(Failed(name, exception), _time, cancellationToken);
            }
        }
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (_failing.IsEmpty)
        {
            return Task.FromResult(HealthCheckResult.Healthy());
        }

        var now = _time.GetUtcNow();
        var data = _failing.ToDictionary(
            pair => pair.Key,
            pair => (object)$"failing for {(now - pair.Value.Since).TotalSeconds:0} s, {pair.Value.Count} time(s): {pair.Value.LastError}");
        var unhealthy = _failing.Values.Any(failing => now - failing.Since >= _options.UnhealthyAfter);
        var description = $"Failing: {string.Join(", ", _failing.Keys)}";
        return Task.FromResult(unhealthy
            ? HealthCheckResult.Unhealthy(description, data: data)
            : HealthCheckResult.Degraded(description, data: data));
    }

    private void Succeeded(string name)
    {
        if (_failing.TryRemove(name, out var failing))
        {
            LogRecovered(name, failing.Count);
        }
    }

    /// <summary>Records the failure; returns how long to wait before the next attempt.</summary>
    private TimeSpan Failed(string name, Exception exception)
    {
        var now = _time.GetUtcNow();
        var failing = _failing.AddOrUpdate(name,
            _ => new Failing(now, 1, exception.GetType().Name),
            (_, failing) => failing with { Count = failing.Count + 1, LastError = exception.GetType().Name });
        _failures.Add(1, new TagList { { "loop", name }, { "error.type", exception.GetType().FullName } });

        var backoff = Backoff(failing.Count);
        LogFailed(exception, name, failing.Count, backoff);
        return backoff;
    }

    /// <summary>
    /// Doubles from <see cref="ResilientLoopOptions.InitialBackoff"/> up to <see cref="ResilientLoopOptions.MaxBackoff"/>,
    /// then a random half to all of it, so that replicas failing together do not retry together.
    /// </summary>
    private TimeSpan Backoff(int failures)
    {
        var exponential = _options.InitialBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 30));
        var capped = Math.Min(exponential, _options.MaxBackoff.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.5 + (Random.Shared.NextDouble() * 0.5)));
    }

    private sealed record Failing(DateTimeOffset Since, int Count, string LastError);

    [LoggerMessage(Level = LogLevel.Error, Message = "Background loop {Loop} failed ({Failures} in a row); retrying in {Backoff}")]
    private partial void LogFailed(Exception exception, string loop, int failures, TimeSpan backoff);

    [LoggerMessage(Level = LogLevel.Information, Message = "Background loop {Loop} works again after {Failures} failure(s)")]
    private partial void LogRecovered(string loop, int failures);
}
