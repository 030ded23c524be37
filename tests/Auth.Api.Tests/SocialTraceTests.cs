using System.Collections.Concurrent;
using System.Diagnostics;
using AspireAuth.Auth.Api.Data;
using Microsoft.AspNetCore.Mvc.Testing;

namespace AspireAuth.Auth.Api.Tests;

/// <summary>
/// The start of a social sign-in and its callback are separate requests, so separate traces: the callback's trace
/// (token call, link, outbox, and from there the cart takeover) carries a span link to the trace that started the flow.
/// </summary>
[Collection(AuthApiCollection.Name)]
public sealed class SocialTraceTests : IClassFixture<AuthApiFixture>, IAsyncLifetime
{
    private const string Provider = "stub-trace";

    private readonly AuthApiFixture _fixture;
    private StubOpenIdProvider _stub = null!;
    private WebApplicationFactory<AuthDbContext> _app = null!;

    public SocialTraceTests(AuthApiFixture fixture) => _fixture = fixture;

    public async Task InitializeAsync()
    {
        _stub = await StubOpenIdProvider.StartAsync("auth-api-trace");
        _app = _fixture.CreateApp(SocialSignIn.Settings(_stub.ProviderSettings(Provider)));
    }

    public async Task DisposeAsync()
    {
        await _fixture.DisposeAppsAsync();
        await _stub.DisposeAsync();
    }

    [Fact]
    public async Task The_callbacks_trace_links_to_the_trace_that_started_the_flow_and_carries_the_link_event()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Microsoft.AspNetCore" or "AspireAuth",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        var browser = _fixture.CreateClient(_app);
        var guest = await browser.SignInAnonymousAsync();
        _stub.Identity = StubIdentity.Unique();

        var flow = await browser.StartSocialSignInAsync(Provider);
        var callback = await browser.CompleteCallbackAsync(await _stub.AuthorizeAsync(flow.Url));

        Assert.Equal(SocialSignIn.CallbackUrl, callback.Location());
        var start = Assert.Single(stopped, activity => activity.Source.Name == "Microsoft.AspNetCore" && activity.DisplayName.Contains("/sign-in/social", StringComparison.Ordinal));
        var completion = Assert.Single(stopped, activity => activity.OperationName == $"social sign-in callback {Provider}");
        Assert.NotEqual(start.TraceId, completion.TraceId);
        Assert.Contains(completion.Links, link => link.Context.TraceId == start.TraceId && link.Context.SpanId == start.SpanId);

        // The link event is written in the callback's trace, so the cart takeover it causes continues that trace.
        var traceParent = await _fixture.QueryScalarAsync<string>(
            "SELECT trace_parent FROM outbox_message WHERE event_type = $1 AND payload->>'anonymousUserId' = $2", AuthDatabase.AccountLinked, guest.UserId);
        Assert.Equal(completion.TraceId.ToString(), ActivityContext.Parse(traceParent!, null).TraceId.ToString());
    }
}
