using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace AspireAuth.Auth.Api.Data;

/// <summary>
/// The Better Auth schema (quoted camelCase <c>user</c> and <c>account</c> tables, text ids)
/// plus the transactional outbox.
/// </summary>
public sealed class AuthDbContext(DbContextOptions<AuthDbContext> options) : DbContext(options)
{
    public DbSet<User> Users => Set<User>();

    public DbSet<Account> Accounts => Set<Account>();

    public DbSet<OutboxMessage> OutboxMessages => Set<OutboxMessage>();

    public DbSet<AnonymousLink> AnonymousLinks => Set<AnonymousLink>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<User>(user =>
        {
            user.ToTable("user");
            user.HasKey(u => u.Id);
            user.Property(u => u.Id).HasColumnName("id");
            user.Property(u => u.Name).HasColumnName("name");
            user.Property(u => u.Email).HasColumnName("email");
            user.Property(u => u.EmailVerified).HasColumnName("emailVerified");
            user.Property(u => u.Image).HasColumnName("image");
            user.Property(u => u.CreatedAt).HasColumnName("createdAt");
            user.Property(u => u.UpdatedAt).HasColumnName("updatedAt");
            user.Property(u => u.IsAnonymous).HasColumnName("isAnonymous").HasDefaultValue(false);
            user.HasIndex(u => u.Email).IsUnique();
            // Serves the stale-anonymous-user cleanup without scanning real users.
            user.HasIndex(u => u.CreatedAt).HasFilter("\"isAnonymous\"").HasDatabaseName("IX_user_anonymous_createdAt");
        });

        modelBuilder.Entity<Account>(account =>
        {
            account.ToTable("account");
            account.HasKey(a => a.Id);
            account.Property(a => a.Id).HasColumnName("id");
            account.Property(a => a.AccountId).HasColumnName("accountId");
            account.Property(a => a.ProviderId).HasColumnName("providerId");
            account.Property(a => a.UserId).HasColumnName("userId");
            account.Property(a => a.Password).HasColumnName("password");
            account.Property(a => a.CreatedAt).HasColumnName("createdAt");
            account.Property(a => a.UpdatedAt).HasColumnName("updatedAt");
            account.HasIndex(a => a.UserId);
            account.HasOne<User>().WithMany().HasForeignKey(a => a.UserId).OnDelete(DeleteBehavior.Cascade);
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

        modelBuilder.Entity<OutboxMessage>(message =>
        {
            message.ToTable("outbox_message");
            message.HasKey(m => m.Sequence);
            message.Property(m => m.Sequence).HasColumnName("sequence").UseIdentityAlwaysColumn();
            message.Property(m => m.EventId).HasColumnName("event_id");
            message.Property(m => m.EventType).HasColumnName("event_type");
            message.Property(m => m.EventVersion).HasColumnName("event_version");
            message.Property(m => m.Payload).HasColumnName("payload").HasColumnType("jsonb");
            message.Property(m => m.TraceParent).HasColumnName("trace_parent");
            message.Property(m => m.TraceState).HasColumnName("trace_state");
            message.Property(m => m.OccurredAt).HasColumnName("occurred_at");
            message.Property(m => m.PublishedAt).HasColumnName("published_at");
            message.Property(m => m.StreamEntryId).HasColumnName("stream_entry_id");
            message.HasIndex(m => m.EventId).IsUnique();
            // The relay's work queue: only unpublished rows, in order.
            message.HasIndex(m => m.Sequence).HasFilter("published_at IS NULL").HasDatabaseName("IX_outbox_message_unpublished");
            message.HasIndex(m => m.PublishedAt).HasFilter("published_at IS NOT NULL").HasDatabaseName("IX_outbox_message_published_at");
        });
    }
}

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without a running database.</summary>
internal sealed class AuthDbContextDesignTimeFactory : IDesignTimeDbContextFactory<AuthDbContext>
{
    public AuthDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<AuthDbContext>().UseNpgsql("Host=design-time-only").Options);
}
