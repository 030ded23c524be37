using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace AspireAuth.Cart.Api.Data;

public sealed class CartDbContext(DbContextOptions<CartDbContext> options) : DbContext(options)
{
    public DbSet<Product> Products => Set<Product>();

    public DbSet<ShoppingCart> Carts => Set<ShoppingCart>();

    public DbSet<CartLine> CartLines => Set<CartLine>();

    public DbSet<InboxMessage> Inbox => Set<InboxMessage>();

    public DbSet<LinkedGuest> LinkedGuests => Set<LinkedGuest>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Product>(product =>
        {
            product.ToTable("product");
            product.HasKey(p => p.Id);
            product.Property(p => p.Id).HasColumnName("id").ValueGeneratedNever();
            product.Property(p => p.Name).HasColumnName("name").HasMaxLength(100);
            product.Property(p => p.Price).HasColumnName("price").HasPrecision(10, 2);
            product.Property(p => p.ImagePath).HasColumnName("image_path").HasMaxLength(200);
            product.HasData(CatalogSeed.Products);
        });

        modelBuilder.Entity<ShoppingCart>(cart =>
        {
            cart.ToTable("cart");
            cart.HasKey(c => c.UserId);
            cart.Property(c => c.UserId).HasColumnName("user_id").HasMaxLength(64);
            cart.Property(c => c.UpdatedAt).HasColumnName("updated_at");
            cart.HasMany(c => c.Lines).WithOne().HasForeignKey(l => l.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<CartLine>(line =>
        {
            line.ToTable("cart_line");
            line.HasKey(l => new { l.UserId, l.ProductId });
            line.Property(l => l.UserId).HasColumnName("user_id").HasMaxLength(64);
            line.Property(l => l.ProductId).HasColumnName("product_id");
            line.Property(l => l.Quantity).HasColumnName("quantity");
            line.HasOne<Product>().WithMany().HasForeignKey(l => l.ProductId).OnDelete(DeleteBehavior.Restrict);
            line.ToTable(table => table.HasCheckConstraint("CK_cart_line_quantity", $"quantity BETWEEN 1 AND {CartLimits.MaxQuantity}"));
        });

        modelBuilder.Entity<InboxMessage>(inbox =>
        {
            inbox.ToTable("inbox_message");
            inbox.HasKey(i => new { i.EventId, i.Consumer });
            inbox.Property(i => i.EventId).HasColumnName("event_id");
            inbox.Property(i => i.Consumer).HasColumnName("consumer").HasMaxLength(100);
            inbox.Property(i => i.EventType).HasColumnName("event_type").HasMaxLength(200);
            inbox.Property(i => i.ProcessedAt).HasColumnName("processed_at");
        });

        modelBuilder.Entity<LinkedGuest>(guest =>
        {
            guest.ToTable("linked_guest");
            guest.HasKey(g => g.GuestUserId);
            guest.Property(g => g.GuestUserId).HasColumnName("guest_user_id").HasMaxLength(64);
            guest.Property(g => g.UserId).HasColumnName("user_id").HasMaxLength(64);
            guest.Property(g => g.LinkedAt).HasColumnName("linked_at");
        });
    }
}

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without a running database.</summary>
internal sealed class CartDbContextDesignTimeFactory : IDesignTimeDbContextFactory<CartDbContext>
{
    public CartDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<CartDbContext>().UseNpgsql("Host=design-time-only").Options);
}
