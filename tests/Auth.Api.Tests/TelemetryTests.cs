using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;

namespace AspireAuth.Auth.Api.Tests;

[Collection(AuthApiCollection.Name)]
public sealed class TelemetryTests(AuthApiFixture fixture)
{
    private const string RedisActivitySource = "OpenTelemetry.Instrumentation.StackExchangeRedis";

    [Fact]
    public async Task A_request_s_Redis_commands_are_spans_of_its_trace_within_moments()
    {
        var traceId = ActivityTraceId.CreateRandom();
        var redisSpans = new ConcurrentQueue<Activity>();
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == RedisActivitySource,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.TraceId == traceId)
                {
                    redisSpans.Enqueue(activity);
                    first.TrySetResult();
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        using var http = fixture.SharedApp.CreateClient();
        using var signIn = new HttpRequestMessage(HttpMethod.Post, "/api/auth/sign-in/anonymous") { Content = JsonContent.Create(new { }) };
        signIn.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        using var response = await http.SendAsync(signIn);
        response.EnsureSuccessStatusCode();

        // The instrumentation turns commands into spans when it drains them; by default that takes up to 10 s.
        await first.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Contains(redisSpans, span => span.DisplayName is "EVAL" or "EVALSHA");
    }

    [Fact]
    public async Task The_invalidation_feed_s_syncs_are_not_traces_of_their_own()
    {
        var traceId = ActivityTraceId.CreateRandom();
        var redisSpans = new ConcurrentQueue<Activity>();
        var marker = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == RedisActivitySource,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                redisSpans.Enqueue(activity);
                if (activity.TraceId == traceId)
                {
                    marker.TrySetResult();
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

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
        await marker.Task.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.DoesNotContain(redisSpans, span => span.DisplayName == "PING" && span.ParentId is null);
    }
}
