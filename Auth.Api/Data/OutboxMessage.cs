namespace AspireAuth.Auth.Api.Data;

/// <summary>
/// An integration event written in the same transaction as the change it announces, and
/// published to the event stream afterwards by the outbox relay.
/// </summary>
public sealed class OutboxMessage
{
    /// <summary>Database-assigned; publishing follows this order.</summary>
    public long Sequence { get; init; }

    public Guid EventId { get; init; }

    public required string EventType { get; init; }

    public int EventVersion { get; init; }

    public required string Payload { get; init; }

    /// <summary>W3C <c>traceparent</c> of the request that caused the event, so the consumer continues its trace.</summary>
    public string? TraceParent { get; init; }

    public string? TraceState { get; init; }

    public DateTime OccurredAt { get; init; }

    public DateTime? PublishedAt { get; set; }

    /// <summary>The stream entry id Redis assigned on publish.</summary>
    public string? StreamEntryId { get; set; }
}
