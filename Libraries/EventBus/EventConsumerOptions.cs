using System.ComponentModel.DataAnnotations;

namespace AspireAuth.EventBus;

/// <summary>Bound from <c>Messaging:Consumer</c>.</summary>
public sealed class EventConsumerOptions
{
    public const string SectionName = "Messaging:Consumer";

    /// <summary>The consumer group: one per consuming service, so each service sees every event once.</summary>
    [Required]
    public string Group { get; set; } = "";

    /// <summary>
    /// This instance's name in the group. Stable across restarts of the instance, so it picks up
    /// what it had read but not acknowledged. Default: the OpenTelemetry service instance id
    /// Aspire assigns, else the machine name.
    /// </summary>
    public string? ConsumerName { get; set; }

    [Range(1, 1000)]
    public int BatchSize { get; set; } = 64;

    /// <summary>Failed deliveries before an entry is moved to the dead-letter stream.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>An entry pending this long (its consumer died, or its last attempt failed) is claimed and retried.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan ClaimIdleTime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The safety net: how long to wait for a nudge before reading anyway.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);
}
