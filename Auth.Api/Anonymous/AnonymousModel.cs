using AspireAuth.Auth.Api.Data;
using Microsoft.EntityFrameworkCore;

namespace AspireAuth.Auth.Api.Anonymous;

/// <summary>
/// The anonymous plugin's part of <see cref="AuthDbContext"/>: the <c>isAnonymous</c> column of
/// <c>user</c> (a shadow property: core's <see cref="User"/> does not know it) and <c>anonymous_link</c>.
/// </summary>
internal sealed class AnonymousModel : IAuthModelContribution
{
    public static readonly AnonymousModel Instance = new();

    /// <summary>The shadow property of <see cref="User"/> that maps <c>"isAnonymous"</c>.</summary>
    public const string IsAnonymous = "IsAnonymous";

    private AnonymousModel()
    {
    }

    public string Name => "anonymous";

    public void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<User>(user =>
        {
            user.Property<bool>(IsAnonymous).HasColumnName("isAnonymous").HasDefaultValue(false);
            // Serves the stale-anonymous-user cleanup without scanning real users.
            user.HasIndex(u => u.CreatedAt).HasFilter("\"isAnonymous\"").HasDatabaseName("IX_user_anonymous_createdAt");
        });

        modelBuilder.Entity<AnonymousLink>(link =>
        {
            link.ToTable("anonymous_link");
            link.HasKey(l => l.AnonymousUserId);
            link.Property(l => l.AnonymousUserId).HasColumnName("anonymous_user_id");
            link.Property(l => l.NewUserId).HasColumnName("new_user_id");
            link.Property(l => l.LinkedAt).HasColumnName("linked_at");
            link.Property(l => l.AnonymousSessionTokenHash).HasColumnName("anonymous_session_token_hash");
            link.Property(l => l.GuestSessionsRevokedAt).HasColumnName("guest_sessions_revoked_at");
            link.HasIndex(l => l.NewUserId);
            // The durable retry's work queue: links whose guest sessions are not yet known to be revoked.
            link.HasIndex(l => l.LinkedAt).HasFilter("guest_sessions_revoked_at IS NULL").HasDatabaseName("IX_anonymous_link_unrevoked");
        });
    }
}

internal static class AnonymousModelQueries
{
    public static DbSet<AnonymousLink> AnonymousLinks(this AuthDbContext db) => db.Set<AnonymousLink>();

    public static IQueryable<User> AnonymousUsers(this AuthDbContext db) =>
        db.Users.Where(u => EF.Property<bool>(u, AnonymousModel.IsAnonymous));
}
