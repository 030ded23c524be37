using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;

namespace AspireAuth.Auth.Api.Tests;

[Collection(AuthApiCollection.Name)]
public sealed class TelemetryTests(AuthApiFixture fixture) : IClassFixture<AuthApiFixture>
{

    [Fact]
    public async Task A_request_s_Redis_commands_are_spans_of_its_trace_within_moments()
    {
        var traceId = ActivityTraceId.CreateRandom();
        using var redisSpans = new RedisSpans(traceId);

        using var http = fixture.SharedApp.CreateClient();
        using var signIn = new HttpRequestMessage(HttpMethod.Post, "/api/auth/sign-in/anonymous") { Content = JsonContent.Create(new { }) };
        signIn.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        using var response = await http.SendAsync(signIn);
        response.EnsureSuccessStatusCode();

        // The instrumentation turns commands into spans when it drains them; by default that takes up to 10 s.
        await redisSpans.FirstOfTrace.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Contains(redisSpans.All, span => span.TraceId == traceId && span.DisplayName is "EVAL" or "EVALSHA");
    }

    [Fact]
    public async Task The_invalidation_feed_s_syncs_are_not_traces_of_their_own()
    {
        var traceId = ActivityTraceId.CreateRandom();
        using var redisSpans = new RedisSpans(traceId);

        using var http = fixture.SharedApp.CreateClient(new() { HandleCookies = false });
        using var guest = await http.PostAsJsonAsync("/api/auth/sign-in/anonymous", new { });
        var cookie = guest.Headers.GetValues("Set-Cookie").First().Split(';')[0];
        for (var read = 0; read < 20; read++)
        {
            // Each lookup syncs with the invalidation channel first: a PING.
            using var getSession = new HttpRequestMessage(HttpMethod.Get, "/api/auth/get-session");
            getSession.Headers.Add("Cookie", cookie);
            (await http.SendAsync(getSession)).EnsureSuccessStatusCode();
        }

        // Spans are drained in order: once a later command's span is out, the PINGs' would be too.
        using var signIn = new HttpRequestMessage(HttpMethod.Post, "/api/auth/sign-in/anonymous") { Content = JsonContent.Create(new { }) };
        signIn.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        (await http.SendAsync(signIn)).EnsureSuccessStatusCode();
        await redisSpans.FirstOfTrace.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.DoesNotContain(redisSpans.All, span => span.DisplayName == "PING" && span.ParentId is null);
    }

    /// <summary>Every Redis span this process makes while it lives; <see cref="FirstOfTrace"/> completes with the first of one trace.</summary>
    private sealed class RedisSpans : IDisposable
    {
        private readonly TaskCompletionSource _firstOfTrace = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ConcurrentQueue<Activity> _all = new();
        private readonly ActivityListener _listener;

        public RedisSpans(ActivityTraceId traceId)
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == "OpenTelemetry.Instrumentation.StackExchangeRedis",
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = activity =>
                {
                    _all.Enqueue(activity);
                    if (activity.TraceId == traceId)
                    {
                        _firstOfTrace.TrySetResult();
                    }
                },
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public IEnumerable<Activity> All => _all;

        public Task FirstOfTrace => _firstOfTrace.Task;

        public void Dispose() => _listener.Dispose();
    }
}
