using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace AspireAuth.Web.Backends;

/// <summary>Bound from <c>Web:BackendLiveness</c>; the defaults keep every page within 3 s while one backend is down.</summary>
public sealed class BackendLivenessOptions
{
    public const string SectionName = "Web:BackendLiveness";

    /// <summary>
    /// A call still unanswered after this long makes the storefront ask whether its backend is alive, and again after
    /// each such interval while it stays unanswered (probes finished less than half of it ago answer for it).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:10")]
    public TimeSpan SuspectAfter { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long the backend's <c>/alive</c> may take to answer before the backend counts as down.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:10")]
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// While a backend is down, calls fail at once until its latest probe is this old; then the next call asks again,
    /// and goes through if the backend is back.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan RecheckAfter { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// Makes calls to a backend that is down fail in about a second and a half instead of hanging. Under the AppHost a
/// stopped backend's address is DCP's proxy, which accepts the connection and then answers nothing, so neither a
/// connect timeout nor a refused connection gives it away, and the resilience pipeline waits (and retries GETs) up to
/// its 30 s. A short timeout on every call would be wrong too: a sign-up hashes with Argon2id, which queues behind
/// other sign-ups for several seconds under load, and a sign-up POST cut off may have been applied.
/// <para>
/// So the question "is it down?" goes to the backend itself, and only when a call makes it one: a call unanswered for
/// <see cref="BackendLivenessOptions.SuspectAfter"/> has the backend's <c>/alive</c> asked (no retries, at most
/// <see cref="BackendLivenessOptions.ProbeTimeout"/>). <c>/alive</c> answers at once while sign-ups queue (Auth.Api hashes
/// in one slot per core, off the request threads), so a slow but healthy call goes on for as long as its own timeouts
/// allow, asked about again every <see cref="BackendLivenessOptions.SuspectAfter"/>; only a backend that cannot say it
/// is alive has its calls cancelled (never retried: cancelled, a POST is not sent again). Then calls fail at once, and
/// after <see cref="BackendLivenessOptions.RecheckAfter"/> the next call asks again: the storefront recovers by
/// itself on the first request after the backend is back, with no background traffic, up or down.
/// </para>
/// <para>
/// The hardening issue's breaker rule holds: one state per backend (the authority of its <c>https+http://{service}</c>
/// address, which is also the proxy's cluster id), and only the backend's own failure counts (no answer, or a 5xx from
/// <c>/alive</c>); a visitor's 4xx never touches it. Probes are shared: one in flight per backend, however many calls wait.
/// A probe swallows every exception (it is the answer "down"); it runs for the request that needs it, not in a loop.
/// </para>
/// </summary>
public sealed partial class BackendLiveness(IHttpClientFactory httpClients, IOptions<BackendLivenessOptions> options, ILogger<BackendLiveness> logger)
{
    /// <summary>The HTTP client that asks <c>/alive</c>: service discovery, but none of the resilience pipeline's retries.</summary>
    public const string ProbeClientName = "backend-liveness";

    private readonly ConcurrentDictionary<string, Backend> _backends = new(StringComparer.Ordinal);

    private BackendLivenessOptions Options => options.Value;

    /// <summary>
    /// Runs <paramref name="call"/> to <paramref name="service"/>, cancelling it when the backend turns out to be down;
    /// throws <see cref="ServiceUnavailableException"/> then, or at once while it is known to be down.
    /// </summary>
    public async Task<T> CallAsync<T>(string service, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        var backend = _backends.GetOrAdd(service, name => new Backend(name, this));
        if (backend.IsKnownDown && !await backend.ProbeAsync(reuseFor: Options.RecheckAfter).WaitAsync(cancellationToken))
        {
            throw Down(service);
        }

        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pending = call(cancellation.Token);
        while (true)
        {
            try
            {
                return await pending.WaitAsync(Options.SuspectAfter, cancellationToken);
            }
            catch (TimeoutException) when (!pending.IsCompleted)
            {
            }

            // Many slow calls at once (sign-ups queueing for Argon2id) share probes: a few a second per backend at most.
            var probe = backend.ProbeAsync(reuseFor: Options.SuspectAfter / 2);
            await Task.WhenAny(pending, probe);
            if (pending.IsCompleted || await probe)
            {
                continue;
            }

            await cancellation.CancelAsync();
            try
            {
                // An answer that won the race is still the answer.
                return await pending;
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
            {
                throw Down(service, exception);
            }
        }
    }

    /// <inheritdoc cref="CallAsync{T}"/>
    public Task CallAsync(string service, Func<CancellationToken, Task> call, CancellationToken cancellationToken) =>
        CallAsync(service, async token =>
        {
            await call(token);
            return true;
        }, cancellationToken);

    private ServiceUnavailableException Down(string service, Exception? exception = null) =>
        new(service, $"{service} is down: its {ServiceDefaultsExtensions.AlivenessEndpointPath} did not answer within {Options.ProbeTimeout.TotalSeconds:0.###} s.", exception);

    private async Task<bool> IsAliveAsync(string service)
    {
        try
        {
            using var timeout = new CancellationTokenSource(Options.ProbeTimeout);
            using var http = httpClients.CreateClient(ProbeClientName);
            using var response = await http.GetAsync(new Uri($"https+http://{service}{ServiceDefaultsExtensions.AlivenessEndpointPath}"), timeout.Token);
            // The breaker's rule (BackendResilience.IsBackendFailure): an answer below 500 is a backend that answers.
            return (int)response.StatusCode < 500;
        }
        catch (Exception exception)
        {
            // Whatever went wrong, the backend did not say it is alive: that is the answer, not an error of the page.
            LogProbeFailed(service, exception.GetType().Name);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Liveness probe of {Service} failed: {Failure}")]
    private partial void LogProbeFailed(string service, string failure);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backend {Service} is down: calls to it fail at once until it answers its liveness probe again")]
    private partial void LogDown(string service);

    [LoggerMessage(Level = LogLevel.Information, Message = "Backend {Service} is back")]
    private partial void LogBack(string service);

    /// <summary>One backend's state: its latest probe, shared by every call that needs an answer.</summary>
    private sealed class Backend(string service, BackendLiveness liveness)
    {
        private readonly Lock _gate = new();
        private Task<bool>? _probe;
        private long _probeFinishedAt;
        private volatile bool _down;

        public bool IsKnownDown => _down;

        /// <summary>The probe in flight, or a finished one younger than <paramref name="reuseFor"/>, or a new one.</summary>
        public Task<bool> ProbeAsync(TimeSpan reuseFor)
        {
            lock (_gate)
            {
                if (_probe is { IsCompleted: false }
                    || (_probe is not null && Environment.TickCount64 - Interlocked.Read(ref _probeFinishedAt) < reuseFor.TotalMilliseconds))
                {
                    return _probe;
                }

                return _probe = RunAsync();
            }
        }

        private async Task<bool> RunAsync()
        {
            // Yield first: the probe must not run inside the lock that publishes it.
            await Task.Yield();
            var alive = await liveness.IsAliveAsync(service);
            Interlocked.Exchange(ref _probeFinishedAt, Environment.TickCount64);
            if (_down == alive)
            {
                _down = !alive;
                if (alive)
                {
                    liveness.LogBack(service);
                }
                else
                {
                    liveness.LogDown(service);
                }
            }

            return alive;
        }
    }
}
