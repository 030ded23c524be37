using System.ComponentModel.DataAnnotations;

namespace AspireAuth.EventBus;

/// <summary>Bound from <c>Messaging:Inbox</c>: how long a consumer remembers the events it handled.</summary>
public sealed class InboxOptions
{
    public const string SectionName = "Messaging:Inbox";

    /// <summary>
    /// How long a handled event's id is kept. Must outlast Auth.Api's <c>Outbox:Retention</c> (7 days), the window
    /// <c>republish-events --since</c> can publish again: an event whose id was already forgotten would be applied twice.
    /// Eight days leaves a day's margin for a republish started near the end of that window; raise both together.
    /// </summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(8);

    /// <summary>How often expired rows are deleted.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Rows deleted per statement, so a large backlog never holds locks for long.</summary>
    [Range(1, 100_000)]
    public int CleanupBatchSize { get; set; } = 1000;
}
