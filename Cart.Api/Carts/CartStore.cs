using AspireAuth.Cart.Api.Data;
using Microsoft.EntityFrameworkCore;

namespace AspireAuth.Cart.Api.Carts;

public enum CartChangeOutcome
{
    Changed,
    ProductNotFound,
    LineLimitReached,

    /// <summary>The caller is a guest whose cart was already taken over into an account: their session is on its way out.</summary>
    GuestAlreadyLinked,
}

/// <summary>Whose cart a write is for: a guest's write is checked against takeovers.</summary>
public sealed record CartOwner(string UserId, bool IsGuest);

/// <summary>
/// Changes carts (<see cref="ICartReader"/> reads them). Every change locks the cart row first, so concurrent changes to one
/// cart apply one after another and none is lost, in a transaction that names the cart it changes (<see cref="ICartTransactions"/>).
/// </summary>
internal sealed class CartStore(CartDbContext db, ICartTransactions transactions, TimeProvider time)
{
    /// <summary>Whether the cart of <paramref name="guestUserId"/> was taken over into <paramref name="userId"/>'s.</summary>
    public Task<bool> IsTakenOverIntoAsync(string guestUserId, string userId, CancellationToken cancellationToken) =>
        db.LinkedGuests.AnyAsync(guest => guest.GuestUserId == guestUserId && guest.UserId == userId, cancellationToken);

    public Task<CartChangeOutcome> AddAsync(CartOwner owner, int productId, int quantity, CancellationToken cancellationToken) =>
        ChangeAsync(owner, productId, cart => SetLine(cart, productId, current => Math.Min(CartLimits.MaxQuantity, current + quantity)), cancellationToken);

    /// <summary>Sets a line's quantity; 0 removes the line.</summary>
    public Task<CartChangeOutcome> SetQuantityAsync(CartOwner owner, int productId, int quantity, CancellationToken cancellationToken) =>
        quantity == 0
            ? RemoveAsync(owner, productId, cancellationToken)
            : ChangeAsync(owner, productId, cart => SetLine(cart, productId, _ => quantity), cancellationToken);

    public Task<CartChangeOutcome> RemoveAsync(CartOwner owner, int productId, CancellationToken cancellationToken) =>
        ChangeAsync(owner, productId, cart =>
        {
            cart.Lines.RemoveAll(line => line.ProductId == productId);
            return CartChangeOutcome.Changed;
        }, cancellationToken);

    public async Task<CartChangeOutcome> ClearAsync(CartOwner owner, CancellationToken cancellationToken)
    {
        await using var transaction = await transactions.BeginAsync([owner.UserId], cancellationToken);
        await LockAsync(owner.UserId, cancellationToken);
        if (await IsLinkedGuestAsync(owner, cancellationToken))
        {
            return CartChangeOutcome.GuestAlreadyLinked;
        }

        await DeleteAsync(owner.UserId, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return CartChangeOutcome.Changed;
    }

    /// <summary>Deletes the user's cart. Must run inside the caller's cart transaction, which names the cart.</summary>
    public async Task DeleteAsync(string userId, CancellationToken cancellationToken) =>
        await db.Carts.Where(cart => cart.UserId == userId).ExecuteDeleteAsync(cancellationToken);

    /// <summary>
    /// The user's account takes over the guest's cart: records the guest as linked, so later writes as the guest are
    /// refused, merges the guest's lines into the user's cart (same product: quantities added, capped at
    /// <see cref="CartLimits.MaxQuantity"/>) and deletes the guest cart.
    /// Must run inside the caller's cart transaction, which names both carts.
    /// </summary>
    public async Task TakeOverAsync(string guestUserId, string userId, CancellationToken cancellationToken)
    {
        await db.Database.ExecuteSqlAsync(
            $"INSERT INTO linked_guest (guest_user_id, user_id, linked_at) VALUES ({guestUserId}, {userId}, {time.GetUtcNow().UtcDateTime}) ON CONFLICT DO NOTHING",
            cancellationToken);

        // Locked even when the guest has no cart (the upsert makes one for the time being): a guest's write that comes
        // first commits before this reads the lines; one that comes later waits, then finds the guest linked.
        var guestCart = await LockAsync(guestUserId, cancellationToken);
        db.Carts.Remove(guestCart);
        if (guestCart.Lines.Count == 0)
        {
            await db.SaveChangesAsync(cancellationToken);
            return;
        }

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
                line.Quantity = Math.Min(CartLimits.MaxQuantity, line.Quantity + guestLine.Quantity);
            }
        }

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

        if (cart.Lines.Count >= CartLimits.MaxLines)
        {
            return CartChangeOutcome.LineLimitReached;
        }

        cart.Lines.Add(new CartLine { UserId = cart.UserId, ProductId = productId, Quantity = quantityFrom(0) });
        return CartChangeOutcome.Changed;
    }

    private async Task<CartChangeOutcome> ChangeAsync(CartOwner owner, int productId, Func<ShoppingCart, CartChangeOutcome> change, CancellationToken cancellationToken)
    {
        if (!await db.Products.AnyAsync(product => product.Id == productId, cancellationToken))
        {
            return CartChangeOutcome.ProductNotFound;
        }

        await using var transaction = await transactions.BeginAsync([owner.UserId], cancellationToken);
        var cart = await LockAsync(owner.UserId, cancellationToken);
        if (await IsLinkedGuestAsync(owner, cancellationToken))
        {
            return CartChangeOutcome.GuestAlreadyLinked;
        }

        var outcome = change(cart);
        if (outcome == CartChangeOutcome.Changed)
        {
            cart.UpdatedAt = time.GetUtcNow().UtcDateTime;
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
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

    /// <summary>
    /// Whether the owner is a guest already taken over. Asked only while holding the cart row's lock, which the takeover
    /// takes too, so its answer holds until the write commits. Only guests are ever linked: accounts skip the round trip.
    /// </summary>
    private async Task<bool> IsLinkedGuestAsync(CartOwner owner, CancellationToken cancellationToken) =>
        owner.IsGuest && await db.LinkedGuests.AnyAsync(guest => guest.GuestUserId == owner.UserId, cancellationToken);
}
