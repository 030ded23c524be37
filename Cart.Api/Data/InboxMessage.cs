namespace AspireAuth.Cart.Api.Data;

/// <summary>
/// Marks an integration event as handled by a consumer, written in the same transaction as
/// the handler's change, so a redelivered event has no second effect.
/// </summary>
public sealed class InboxMessage
{
    public Guid EventId { get; init; }

    public required string Consumer { get; init; }

    public required string EventType { get; init; }

    public DateTime ProcessedAt { get; init; }
}
