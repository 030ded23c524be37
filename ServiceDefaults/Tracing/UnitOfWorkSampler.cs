using System.Diagnostics;
using OpenTelemetry.Trace;

namespace AspireAuth.ServiceDefaults.Tracing;

/// <summary>
/// Keeps a client span (a PostgreSQL command, a Redis command, an outgoing HTTP call) only inside a recorded span of
/// the unit of work it serves: a request, an event handled, a batch relayed. A background poll that finds nothing, or
/// a health probe's query (its request span is filtered, so not recorded), is then no trace at all. Every other
/// decision is <see cref="Configured"/>'s: the sampler <c>OTEL_TRACES_SAMPLER</c> names (<see cref="TraceSamplerSettings"/>).
/// </summary>
/// <remarks>
/// The rule goes by <see cref="ActivityKind.Client"/>, because a sampler is not told which source starts a span; only the
/// client instrumentations (Npgsql, StackExchange.Redis, HttpClient) start client spans here. The Redis instrumentation
/// makes its spans after the fact, but through <see cref="ActivitySource.StartActivity(string, ActivityKind, ActivityContext, IEnumerable{KeyValuePair{string, object?}}?, IEnumerable{ActivityLink}?, DateTimeOffset)"/>
/// with the parent's context, so this sampler decides them too.
/// </remarks>
public sealed class UnitOfWorkSampler : Sampler
{
    private static readonly SamplingResult Dropped = new(SamplingDecision.Drop);

    public UnitOfWorkSampler(Sampler configured)
    {
        Configured = configured;
        Description = $"UnitOfWork{{{configured.Description}}}";
    }

    public Sampler Configured { get; }

    /// <summary>Whether a client call under <paramref name="parent"/> belongs to a unit of work that is being recorded.</summary>
    public static bool IsInsideRecordedWork(in ActivityContext parent) =>
        parent.TraceId != default && (parent.TraceFlags & ActivityTraceFlags.Recorded) != 0;

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
        samplingParameters.Kind == ActivityKind.Client && !IsInsideRecordedWork(samplingParameters.ParentContext)
            ? Dropped
            : Configured.ShouldSample(samplingParameters);
}
