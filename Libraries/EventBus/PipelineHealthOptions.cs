using System.ComponentModel.DataAnnotations;

namespace AspireAuth.EventBus;

/// <summary>
/// Bound from <c>Messaging:Health</c>: when the event pipeline counts as Degraded on <c>/health/pipeline</c>. Never
/// Unhealthy, and never part of <c>/health</c>: a backlog is worth an operator's look, not a reason to take an instance
/// out of traffic or to hold back the services that wait for it.
/// </summary>
public sealed class PipelineHealthOptions
{
    public const string SectionName = "Messaging:Health";

    /// <summary>Degraded when more entries than this wait in the stream, not yet delivered to the consumer group.</summary>
    [Range(0, long.MaxValue)]
    public long MaxLag { get; set; } = 1000;

    /// <summary>Degraded when the consumer group's oldest entry not yet handled (pending or not yet delivered) is older than this.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan MaxWaitingAge { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Degraded when the dead-letter stream holds more entries than this: by default, any.</summary>
    [Range(0, long.MaxValue)]
    public long MaxDeadLetters { get; set; }

    /// <summary>Degraded when the outbox's oldest unpublished row is older than this (Auth.Api).</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan MaxUnpublishedAge { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Gauges and checks share one reading of Redis or PostgreSQL at most this old.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan ReadEvery { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A reading that takes longer is given up: the signal is then unknown (Degraded), not stale.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(2);
}
