using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The one activity source and meter name of AspireAuth's own spans and metrics, so every
/// service's telemetry pipeline picks them up without knowing each component.
/// </summary>
public static class AspireAuthTelemetry
{
    public const string ActivitySourceName = "AspireAuth";
    public const string MeterName = "AspireAuth";

    public static readonly ActivitySource ActivitySource = new(ActivitySourceName);

    /// <summary>
    /// Starts the span of background work that has found something to do (an outbox batch, guests to clean up): one trace,
    /// with the database and Redis calls made from here on as its children, and a link to each trace that caused the work.
    /// Loops call it only once they know there is work: their polls, outside any span, are no trace at all (UnitOfWorkSampler).
    /// </summary>
    /// <param name="startTime">When the work began, if it is known only afterwards that there was any.</param>
    public static Activity? StartBackgroundWork(string name, IEnumerable<ActivityContext>? causes = null, DateTimeOffset startTime = default) =>
        ActivitySource.StartActivity(name, ActivityKind.Internal, parentContext: default,
            links: causes?.Where(cause => cause != default).Distinct().Select(cause => new ActivityLink(cause)).ToList(),
            startTime: startTime);
}
