using AspireAuth.Auth.Api.Data;
using AspireAuth.Auth.Api.Outbox;
using AspireAuth.IntegrationEvents;
using Microsoft.EntityFrameworkCore;

namespace AspireAuth.Auth.Api.Anonymous;

internal static class AnonymousUsers
{
    /// <summary>
    /// Deletes an anonymous user (accounts cascade) and writes <see cref="AnonymousUserDeleted"/>
    /// to the outbox, in the caller's transaction. Returns false when the user was already gone.
    /// </summary>
    public static async Task<bool> DeleteWithEventAsync(this AuthDbContext db, string userId, DateTime now, CancellationToken cancellationToken)
    {
        var deleted = await db.AnonymousUsers().Where(u => u.Id == userId).ExecuteDeleteAsync(cancellationToken);
        if (deleted == 0)
        {
            return false;
        }

        db.AddToOutbox(new AnonymousUserDeleted(Guid.CreateVersion7(), now, userId));
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }
}
