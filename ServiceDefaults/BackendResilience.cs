using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.Timeout;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The resilience pipeline of every outbound HTTP call: Microsoft's standard pipeline (rate limiter,
/// total timeout, retry, circuit breaker, attempt timeout), with three rules the defaults lack:
/// <list type="bullet">
/// <item>Only safe methods (GET, HEAD, OPTIONS, TRACE) are retried: a POST whose answer was lost may
/// already have been applied (an add-to-cart, a sign-up), so it is sent exactly once.</item>
/// <item>Only the backend's own failures count: transport errors, timeouts and 5xx. A 4xx or 429 is an
/// answer about one visitor's request, so it is never retried and never trips the breaker; otherwise
/// one abusive visitor could open it for everyone.</item>
/// <item>One breaker per backend (per authority), so one failing backend does not cut off the others.</item>
/// </list>
/// A <c>Retry-After</c> on a retried answer sets the delay; one longer than <see cref="MaxRetryAfter"/>
/// is handed to the caller instead of being waited out inside the request.
/// </summary>
public static class BackendResilience
{
    /// <summary>A sign-up hashes with Argon2id and may queue behind others under load: one attempt gets this long.</summary>
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(10);

    public static readonly TimeSpan TotalRequestTimeout = TimeSpan.FromSeconds(30);

    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(5);

    public static IHttpStandardResiliencePipelineBuilder AddBackendResilience(this IHttpClientBuilder http)
    {
        var pipeline = http.AddStandardResilienceHandler(Configure);
        pipeline.SelectPipelineByAuthority();
        return pipeline;
    }

    private static void Configure(HttpStandardResilienceOptions options)
    {
        options.TotalRequestTimeout.Timeout = TotalRequestTimeout;
        options.AttemptTimeout.Timeout = AttemptTimeout;

        // Backends run next to the caller: short back-off (250 ms, 500 ms, 1 s, jittered) within the visitor's request.
        options.Retry.MaxRetryAttempts = 3;
        options.Retry.Delay = TimeSpan.FromMilliseconds(250);
        options.Retry.ShouldRetryAfterHeader = true;
        options.Retry.ShouldHandle = args => ValueTask.FromResult(
            IsBackendFailure(args.Outcome)
            && IsSafe(args.Outcome.Result?.RequestMessage ?? args.Context.GetRequestMessage())
            && !(args.Outcome.Result?.Headers.RetryAfter is { } retryAfter && RetryAfterDelay(retryAfter) > MaxRetryAfter));

        options.CircuitBreaker.ShouldHandle = args => ValueTask.FromResult(IsBackendFailure(args.Outcome));
        // Open when half the calls of the last 30 s failed (at least 20 of them), for 5 s.
        options.CircuitBreaker.FailureRatio = 0.5;
        options.CircuitBreaker.MinimumThroughput = 20;
        options.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(30);
        options.CircuitBreaker.BreakDuration = TimeSpan.FromSeconds(5);
    }

    /// <summary>The backend, not the request, failed: no answer, no answer in time, or a 5xx.</summary>
    public static bool IsBackendFailure(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Exception: HttpRequestException or TimeoutRejectedException } => true,
        { Result: { } response } => (int)response.StatusCode >= 500,
        _ => false,
    };

    private static bool IsSafe(HttpRequestMessage? request) =>
        request?.Method is { } method
        && (method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Options || method == HttpMethod.Trace);

    private static TimeSpan RetryAfterDelay(System.Net.Http.Headers.RetryConditionHeaderValue retryAfter) =>
        retryAfter.Delta ?? (retryAfter.Date is { } date ? date - DateTimeOffset.UtcNow : TimeSpan.Zero);
}
