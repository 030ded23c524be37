using AspireAuth.Auth.Api.Anonymous;
using AspireAuth.Auth.Api.Social;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace AspireAuth.Auth.Api.Data;

/// <summary>
/// The Better Auth schema (quoted camelCase <c>user</c> and <c>account</c> tables, text ids)
/// plus the transactional outbox; plugins add their part (<see cref="IAuthModelContribution"/>).
/// </summary>
public sealed class AuthDbContext(DbContextOptions<AuthDbContext> options) : DbContext(options)
{
    private readonly AuthModelContributions _contributions = options.FindExtension<AuthModelContributions>() ?? AuthModelContributions.None;

    /// <summary>Which plugins' parts the model has (see <see cref="AuthModelCacheKeyFactory"/>).</summary>
    internal string ModelKey => _contributions.Key;

    public DbSet<User> Users => Set<User>();

    public DbSet<Account> Accounts => Set<Account>();

    public DbSet<OutboxMessage> OutboxMessages => Set<OutboxMessage>();

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
            user.HasIndex(u => u.Email).IsUnique();
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
            account.Property(a => a.AccessToken).HasColumnName("accessToken");
            account.Property(a => a.AccessTokenExpiresAt).HasColumnName("accessTokenExpiresAt");
            account.Property(a => a.RefreshToken).HasColumnName("refreshToken");
            account.Property(a => a.RefreshTokenExpiresAt).HasColumnName("refreshTokenExpiresAt");
            account.Property(a => a.IdToken).HasColumnName("idToken");
            account.Property(a => a.Scope).HasColumnName("scope");
            account.Property(a => a.CreatedAt).HasColumnName("createdAt");
            account.Property(a => a.UpdatedAt).HasColumnName("updatedAt");
            account.HasIndex(a => a.UserId);
            // One identity of a provider belongs to one user: two callbacks racing to link it cannot both win.
            account.HasIndex(a => new { a.ProviderId, a.AccountId }).IsUnique();
            account.HasOne<User>().WithMany().HasForeignKey(a => a.UserId).OnDelete(DeleteBehavior.Cascade);
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

        foreach (var contribution in _contributions.Contributions)
        {
            contribution.Configure(modelBuilder);
        }
    }
}

/// <summary>
/// Lets <c>dotnet ef migrations add</c> build the model without a running database: the full model, with
/// every plugin on, so the migrations create every plugin's tables whether or not an app switches it on.
/// </summary>
internal sealed class AuthDbContextDesignTimeFactory : IDesignTimeDbContextFactory<AuthDbContext>
{
    private static readonly IAuthModelContribution[] Plugins = [AnonymousModel.Instance, SocialModel.Instance];

    public static string FullModelKey { get; } = Plugins.Aggregate(AuthModelContributions.None, (all, plugin) => all.With(plugin)).Key;

    public AuthDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<AuthDbContext>().UseNpgsql("Host=design-time-only").UseAuthModel(Plugins).Options);
}
