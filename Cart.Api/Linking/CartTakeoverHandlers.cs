using AspireAuth.Cart.Api.Carts;
using AspireAuth.Cart.Api.Data;
using AspireAuth.EventBus;
using AspireAuth.IntegrationEvents;
using Microsoft.EntityFrameworkCore;

namespace AspireAuth.Cart.Api.Linking;

/// <summary>A guest was linked into an account: the account takes over their cart, exactly once.</summary>
internal sealed class AnonymousAccountLinkedHandler(CartStore carts, Inbox inbox)
    : IIntegrationEventHandler<AnonymousAccountLinked>
{
    // "cart-merge" is the takeover's inbox consumer name, stored with every handled event id: keep it.
    public Task HandleAsync(AnonymousAccountLinked integrationEvent, CancellationToken cancellationToken) =>
        inbox.HandleOnceAsync(integrationEvent, "cart-merge", [integrationEvent.AnonymousUserId, integrationEvent.NewUserId],
            token => carts.TakeOverAsync(integrationEvent.AnonymousUserId, integrationEvent.NewUserId, token), cancellationToken);
}

/// <summary>A guest was deleted: so is their cart.</summary>
internal sealed class AnonymousUserDeletedHandler(CartStore carts, Inbox inbox)
    : IIntegrationEventHandler<AnonymousUserDeleted>
{
    public Task HandleAsync(AnonymousUserDeleted integrationEvent, CancellationToken cancellationToken) =>
        inbox.HandleOnceAsync(integrationEvent, "cart-delete", [integrationEvent.AnonymousUserId],
            token => carts.DeleteAsync(integrationEvent.AnonymousUserId, token), cancellationToken);
}

/// <summary>Makes an event's effect happen once per consumer: an inbox row commits in the same transaction as the effect.</summary>
internal sealed class Inbox(CartDbContext db, ICartTransactions transactions, TimeProvider time)
{
    /// <summary>
    /// Runs <paramref name="effect"/>, which changes the carts of <paramref name="changedCarts"/>, in a transaction with
    /// this event's inbox row. When the row is already there (handled before, or by a transaction that commits first),
    /// nothing happens.
    /// </summary>
    public async Task HandleOnceAsync<TEvent>(
        TEvent integrationEvent, string consumer, string[] changedCarts, Func<CancellationToken, Task> effect, CancellationToken cancellationToken)
        where TEvent : IIntegrationEvent<TEvent>
    {
        await using var transaction = await transactions.BeginAsync(changedCarts, cancellationToken);
        var firstTime = await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO inbox_message (event_id, consumer, event_type, processed_at)
            VALUES ({integrationEvent.EventId}, {consumer}, {TEvent.EventType}, {time.GetUtcNow().UtcDateTime})
            ON CONFLICT DO NOTHING
            """,
            cancellationToken) == 1;
        if (!firstTime)
        {
            return;
        }

        await effect(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }
}
