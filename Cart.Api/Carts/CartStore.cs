using AspireAuth.Cart.Api.Data;
using AspireAuth.Shared.Caching;
using Microsoft.EntityFrameworkCore;

namespace AspireAuth.Cart.Api.Carts;

public enum CartChangeOutcome
{
    Changed,
    ProductNotFound,
    LineLimitReached,
}

/// <summary>
/// Changes carts (<see cref="CartReader"/> reads them). Every change locks the cart row first, so concurrent changes to one
/// cart apply one after another and none is lost, and commits under a <see cref="ChangeLease"/> on the cart, so cached
/// copies are never read in its place.
/// </summary>
internal sealed class CartStore(CartDbContext db, ChangeLeases leases, TimeProvider time)
{
    /// <summary>Announces that the carts of <paramref name="userIds"/> are changing; commit with the lease returned.</summary>
    public Task<ChangeLease> LeaseAsync(params string[] userIds) => leases.BeginAsync(CartReader.InvalidationKeyspace, userIds);

    public Task<bool> HasItemsAsync(string userId, CancellationToken cancellationToken) =>
        db.CartLines.AnyAsync(line => line.UserId == userId, cancellationToken);

    public Task<CartChangeOutcome> AddAsync(string userId, int productId, int quantity, CancellationToken cancellationToken) =>
        ChangeAsync(userId, productId, cart => SetLine(cart, productId, current => Math.Min(ShoppingCart.MaxQuantity, current + quantity)), cancellationToken);

    /// <summary>Sets a line's quantity; 0 removes the line.</summary>
    public Task<CartChangeOutcome> SetQuantityAsync(string userId, int productId, int quantity, CancellationToken cancellationToken) =>
        quantity == 0
            ? RemoveAsync(userId, productId, cancellationToken)
            : ChangeAsync(userId, productId, cart => SetLine(cart, productId, _ => quantity), cancellationToken);

    public Task<CartChangeOutcome> RemoveAsync(string userId, int productId, CancellationToken cancellationToken) =>
        ChangeAsync(userId, productId, cart =>
        {
            cart.Lines.RemoveAll(line => line.ProductId == productId);
            return CartChangeOutcome.Changed;
        }, cancellationToken);

    public async Task ClearAsync(string userId, CancellationToken cancellationToken)
    {
        await using var lease = await LeaseAsync(userId);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await DeleteAsync(userId, cancellationToken);
        await lease.CommitAsync(transaction, cancellationToken);
    }

    /// <summary>Deletes the user's cart. Must run inside the caller's transaction, under a lease on the cart.</summary>
    public async Task DeleteAsync(string userId, CancellationToken cancellationToken) =>
        await db.Carts.Where(cart => cart.UserId == userId).ExecuteDeleteAsync(cancellationToken);

    /// <summary>
    /// Moves the anonymous cart's lines into the user's cart (same product: quantities added,
    /// capped at 99) and deletes the anonymous cart. Must run inside the caller's transaction, under a lease on both carts.
    /// </summary>
    public async Task MergeAsync(string anonymousUserId, string userId, CancellationToken cancellationToken)
    {
        if (!await LockExistingAsync(anonymousUserId, cancellationToken))
        {
            return;
        }

        var guestCart = await db.Carts.Include(cart => cart.Lines).SingleAsync(cart => cart.UserId == anonymousUserId, cancellationToken);
        var cart = await LockAsync(userId, cancellationToken);
        foreach (var guestLine in guestCart.Lines)
        {
            var line = cart.Lines.Find(l => l.ProductId == guestLine.ProductId);
            if (line is null)
            {
                // The 50-line limit guards shoppers' own additions; a merge never drops a guest's items.
                cart.Lines.Add(new CartLine { UserId = userId, ProductId = guestLine.ProductId, Quantity = guestLine.Quantity });
            }
            else
            {
                line.Quantity = Math.Min(ShoppingCart.MaxQuantity, line.Quantity + guestLine.Quantity);
            }
        }

        db.Carts.Remove(guestCart);
        cart.UpdatedAt = time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Gives the product's line the quantity <paramref name="quantityFrom"/> computes from the current one (0 when absent).</summary>
    private static CartChangeOutcome SetLine(ShoppingCart cart, int productId, Func<int, int> quantityFrom)
    {
        var line = cart.Lines.Find(l => l.ProductId == productId);
        if (line is not null)
        {
            line.Quantity = quantityFrom(line.Quantity);
            return CartChangeOutcome.Changed;
        }

        if (cart.Lines.Count >= ShoppingCart.MaxLines)
        {
            return CartChangeOutcome.LineLimitReached;
        }

        cart.Lines.Add(new CartLine { UserId = cart.UserId, ProductId = productId, Quantity = quantityFrom(0) });
        return CartChangeOutcome.Changed;
    }

    private async Task<CartChangeOutcome> ChangeAsync(string userId, int productId, Func<ShoppingCart, CartChangeOutcome> change, CancellationToken cancellationToken)
    {
        if (!await db.Products.AnyAsync(product => product.Id == productId, cancellationToken))
        {
            return CartChangeOutcome.ProductNotFound;
        }

        await using var lease = await LeaseAsync(userId);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var cart = await LockAsync(userId, cancellationToken);
        var outcome = change(cart);
        if (outcome == CartChangeOutcome.Changed)
        {
            cart.UpdatedAt = time.GetUtcNow().UtcDateTime;
            await db.SaveChangesAsync(cancellationToken);
            await lease.CommitAsync(transaction, cancellationToken);
        }

        return outcome;
    }

    /// <summary>Creates the cart if needed and locks its row until the transaction ends.</summary>
    private async Task<ShoppingCart> LockAsync(string userId, CancellationToken cancellationToken)
    {
        // An upsert locks the row whether it inserted or found it.
        await db.Database.ExecuteSqlAsync(
            $"INSERT INTO cart (user_id, updated_at) VALUES ({userId}, {time.GetUtcNow().UtcDateTime}) ON CONFLICT (user_id) DO UPDATE SET updated_at = EXCLUDED.updated_at",
            cancellationToken);
        return await db.Carts.Include(cart => cart.Lines).SingleAsync(cart => cart.UserId == userId, cancellationToken);
    }

    private async Task<bool> LockExistingAsync(string userId, CancellationToken cancellationToken) =>
        await db.Database.SqlQuery<string>($"SELECT user_id AS \"Value\" FROM cart WHERE user_id = {userId} FOR UPDATE")
            .ToListAsync(cancellationToken) is { Count: > 0 };
}
