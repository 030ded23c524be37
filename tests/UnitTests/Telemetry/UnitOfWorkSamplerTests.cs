using System.Diagnostics;
using AspireAuth.ServiceDefaults.Tracing;
using OpenTelemetry.Trace;

namespace AspireAuth.UnitTests.Telemetry;

/// <summary>
/// A database, Redis or HTTP call is a span only inside a recorded unit of work: a background poll is no trace of its own,
/// and a health probe's calls (its request is filtered, so not recorded) are none either, even under <c>always_on</c>.
/// </summary>
public sealed class UnitOfWorkSamplerTests
{
    private static readonly ActivityContext RecordedParent = new(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
    private static readonly ActivityContext UnrecordedParent = new(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.None);

    [Fact]
    public void A_client_call_without_a_parent_is_dropped_whatever_the_configured_sampler()
    {
        Assert.Equal(SamplingDecision.Drop, Decide(new AlwaysOnSampler(), default, ActivityKind.Client));
        Assert.Equal(SamplingDecision.Drop, Decide(new ParentBasedSampler(new AlwaysOnSampler()), default, ActivityKind.Client));
    }

    [Fact]
    public void A_client_call_under_a_span_that_is_not_recorded_is_dropped_even_under_always_on()
    {
        Assert.Equal(SamplingDecision.Drop, Decide(new AlwaysOnSampler(), UnrecordedParent, ActivityKind.Client));
    }

    [Fact]
    public void A_client_call_inside_recorded_work_is_decided_by_the_configured_sampler()
    {
        Assert.Equal(SamplingDecision.RecordAndSample, Decide(new AlwaysOnSampler(), RecordedParent, ActivityKind.Client));
        Assert.Equal(SamplingDecision.RecordAndSample, Decide(new ParentBasedSampler(new AlwaysOffSampler()), RecordedParent, ActivityKind.Client));
        Assert.Equal(SamplingDecision.Drop, Decide(new AlwaysOffSampler(), RecordedParent, ActivityKind.Client));
    }

    [Theory]
    [InlineData(ActivityKind.Server)]
    [InlineData(ActivityKind.Internal)]
    [InlineData(ActivityKind.Consumer)]
    [InlineData(ActivityKind.Producer)]
    public void Every_other_span_is_the_configured_samplers_decision(ActivityKind kind)
    {
        Assert.Equal(SamplingDecision.RecordAndSample, Decide(new AlwaysOnSampler(), default, kind));
        Assert.Equal(SamplingDecision.Drop, Decide(new AlwaysOffSampler(), default, kind));
        Assert.Equal(SamplingDecision.RecordAndSample, Decide(new AlwaysOnSampler(), UnrecordedParent, kind));
        Assert.Equal(SamplingDecision.Drop, Decide(new ParentBasedSampler(new AlwaysOnSampler()), UnrecordedParent, kind));
    }

    [Fact]
    public void Its_description_names_the_configured_sampler() =>
        Assert.Equal("UnitOfWork{ParentBased{AlwaysOnSampler}}", new UnitOfWorkSampler(new ParentBasedSampler(new AlwaysOnSampler())).Description);

    private static SamplingDecision Decide(Sampler configured, ActivityContext parent, ActivityKind kind) =>
        new UnitOfWorkSampler(configured).ShouldSample(new SamplingParameters(
            parent, parent == default ? ActivityTraceId.CreateRandom() : parent.TraceId, "span", kind)).Decision;
}
