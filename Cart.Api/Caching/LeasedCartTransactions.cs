using AspireAuth.Caching;
using AspireAuth.Cart.Api.Carts;
using AspireAuth.Cart.Api.Data;
using Microsoft.EntityFrameworkCore.Storage;

namespace AspireAuth.Cart.Api.Caching;

/// <summary>
/// Cart transactions under a <see cref="ChangeLease"/>: the carts are announced as changing (and every replica's
/// feed has the announcement) before the transaction begins; it commits only within the lease
/// (<see cref="ChangeLeaseExpiredException"/>, a 503 <c>CHANGE_TIMED_OUT</c>, otherwise), and they are announced
/// done once it has ended, committed or not.
/// </summary>
internal sealed class LeasedCartTransactions(CartDbContext db, ChangeLeases leases, RequestSync requestSync) : ICartTransactions
{
    public async Task<ICartTransaction> BeginAsync(string[] userIds, CancellationToken cancellationToken)
    {
        var lease = await leases.BeginAsync(CartCache.InvalidationKeyspace, userIds);
        try
        {
            return new LeasedTransaction(lease, await db.Database.BeginTransactionAsync(cancellationToken), requestSync);
        }
        catch
        {
            await lease.DisposeAsync();
            throw;
        }
    }

    private sealed class LeasedTransaction(ChangeLease lease, IDbContextTransaction transaction, RequestSync requestSync) : ICartTransaction
    {
        public Task CommitAsync(CancellationToken cancellationToken) => lease.CommitAsync(transaction, cancellationToken);

        public async ValueTask DisposeAsync()
        {
            await transaction.DisposeAsync();
            await lease.DisposeAsync();

            // A read of this request from here on must see the change: it syncs afresh.
            requestSync.Renew();
        }
    }
}
