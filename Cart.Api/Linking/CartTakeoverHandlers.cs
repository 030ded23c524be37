using AspireAuth.Cart.Api.Carts;
using AspireAuth.Cart.Api.Data;
using AspireAuth.Shared.Events;
using AspireAuth.Shared.Messaging;
using Microsoft.EntityFrameworkCore;

namespace AspireAuth.Cart.Api.Linking;

/// <summary>A guest became a customer: their cart joins the customer's cart, exactly once.</summary>
internal sealed class AnonymousAccountLinkedHandler(CartDbContext db, CartStore carts, Inbox inbox)
    : IIntegrationEventHandler<AnonymousAccountLinked>
{
    public async Task HandleAsync(AnonymousAccountLinked integrationEvent, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (!await inbox.TryRecordAsync(integrationEvent, "cart-merge", cancellationToken))
        {
            return;
        }

        await carts.MergeAsync(integrationEvent.AnonymousUserId, integrationEvent.NewUserId, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }
}

/// <summary>A guest was deleted: so is their cart.</summary>
internal sealed class AnonymousUserDeletedHandler(CartDbContext db, CartStore carts, Inbox inbox)
    : IIntegrationEventHandler<AnonymousUserDeleted>
{
    public async Task HandleAsync(AnonymousUserDeleted integrationEvent, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (!await inbox.TryRecordAsync(integrationEvent, "cart-delete", cancellationToken))
        {
            return;
        }

        await carts.ClearAsync(integrationEvent.AnonymousUserId, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }
}

/// <summary>Records handled events in the caller's transaction; a second delivery finds its row and does nothing.</summary>
internal sealed class Inbox(CartDbContext db, TimeProvider time)
{
    /// <returns>False when this consumer already handled the event (or is handling it in a transaction that commits first).</returns>
    public async Task<bool> TryRecordAsync<TEvent>(TEvent integrationEvent, string consumer, CancellationToken cancellationToken)
        where TEvent : IIntegrationEvent<TEvent> =>
        await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO inbox_message (event_id, consumer, event_type, processed_at)
            VALUES ({integrationEvent.EventId}, {consumer}, {TEvent.EventType}, {time.GetUtcNow().UtcDateTime})
            ON CONFLICT DO NOTHING
            """,
            cancellationToken) == 1;
}
