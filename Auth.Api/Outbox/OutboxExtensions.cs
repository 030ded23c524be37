using System.Diagnostics;
using AspireAuth.Auth.Api.Data;
using AspireAuth.IntegrationEvents;

namespace AspireAuth.Auth.Api.Outbox;

internal static class OutboxExtensions
{
    /// <summary>
    /// Adds an integration event to the outbox; it is written by the same <c>SaveChanges</c> (and
    /// transaction) as the change it announces. The current trace context travels with it, so the
    /// consumer's work joins the trace of the request that caused it.
    /// </summary>
    public static void AddToOutbox<TEvent>(this AuthDbContext db, TEvent integrationEvent)
        where TEvent : IIntegrationEvent<TEvent>
    {
        var activity = Activity.Current;
        db.OutboxMessages.Add(new OutboxMessage
        {
            EventId = integrationEvent.EventId,
            EventType = TEvent.EventType,
            EventVersion = TEvent.EventVersion,
            Payload = IntegrationEventSerializer.Serialize(integrationEvent),
            TraceParent = activity?.Id,
            TraceState = activity?.TraceStateString,
            OccurredAt = integrationEvent.OccurredAt,
        });
    }
}
