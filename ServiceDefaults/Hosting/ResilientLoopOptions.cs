using System.ComponentModel.DataAnnotations;

namespace AspireAuth.ServiceDefaults.Hosting;

/// <summary>Bound from <c>Hosting:ResilientLoops</c>: how background loops back off and when they count as unhealthy.</summary>
public sealed class ResilientLoopOptions
{
    public const string SectionName = "Hosting:ResilientLoops";

    /// <summary>The wait after a first failure; it doubles with each failure in a row, up to <see cref="MaxBackoff"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(200);

    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>A loop failing this long without one success is Unhealthy; before that, Degraded.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan UnhealthyAfter { get; set; } = TimeSpan.FromSeconds(30);
}
