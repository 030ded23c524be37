using AspireAuth.Cart.Api.Data;
using Microsoft.EntityFrameworkCore.Storage;

namespace AspireAuth.Cart.Api.Carts;

/// <summary>Begins the database transactions that change carts, each naming the carts it changes.</summary>
internal interface ICartTransactions
{
    /// <summary>A transaction on the scope's <see cref="CartDbContext"/> that changes the carts of <paramref name="userIds"/>.</summary>
    Task<ICartTransaction> BeginAsync(string[] userIds, CancellationToken cancellationToken);
}

/// <summary>A transaction that changes carts: nothing is committed unless <see cref="CommitAsync"/> is called; disposing ends it.</summary>
internal interface ICartTransaction : IAsyncDisposable
{
    Task CommitAsync(CancellationToken cancellationToken);
}

/// <summary>Plain database transactions.</summary>
internal sealed class CartTransactions(CartDbContext db) : ICartTransactions
{
    public async Task<ICartTransaction> BeginAsync(string[] userIds, CancellationToken cancellationToken) =>
        new Transaction(await db.Database.BeginTransactionAsync(cancellationToken));

    private sealed class Transaction(IDbContextTransaction transaction) : ICartTransaction
    {
        public Task CommitAsync(CancellationToken cancellationToken) => transaction.CommitAsync(cancellationToken);

        public ValueTask DisposeAsync() => transaction.DisposeAsync();
    }
}
