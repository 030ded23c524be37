using System.ComponentModel.DataAnnotations;

namespace AspireAuth.Auth.Api.Outbox;

/// <summary>Bound from <c>Outbox</c>.</summary>
public sealed class OutboxOptions
{
    public const string SectionName = "Outbox";

    /// <summary>PostgreSQL channel a trigger notifies on every outbox insert; the relay listens to it.</summary>
    internal const string NotificationChannel = "outbox_message";

    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 200;

    /// <summary>The safety net: how long the relay waits for a notification before looking anyway.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Published rows are kept this long, so events can be published again from a point in time.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaintenanceInterval { get; set; } = TimeSpan.FromMinutes(1);
}
