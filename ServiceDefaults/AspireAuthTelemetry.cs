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
}
