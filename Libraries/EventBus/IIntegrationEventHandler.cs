using AspireAuth.IntegrationEvents;

namespace AspireAuth.EventBus;

/// <summary>
/// Handles one event type. Delivery is at least once: a handler must make each event's effect
/// happen once (e.g. an inbox row in the same transaction as its change).
/// </summary>
public interface IIntegrationEventHandler<in TEvent> where TEvent : IIntegrationEvent
{
    Task HandleAsync(TEvent integrationEvent, CancellationToken cancellationToken);
}

/// <summary>An entry that can never be handled (unreadable, unknown version): dead-lettered without retries.</summary>
public sealed class PoisonMessageException(string message, Exception? inner = null) : Exception(message, inner);
