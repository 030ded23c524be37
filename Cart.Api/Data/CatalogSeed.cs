namespace AspireAuth.Cart.Api.Data;

/// <summary>The store's catalog, seeded by a migration. Images ship with Web under <c>/images/products</c>.</summary>
internal static class CatalogSeed
{
    public static readonly Product[] Products =
    [
        new() { Id = 1, Name = "Trail Running Shoes", Price = 89.90m, ImagePath = "/images/products/1.svg" },
        new() { Id = 2, Name = "Merino Wool Socks", Price = 14.50m, ImagePath = "/images/products/2.svg" },
        new() { Id = 3, Name = "Insulated Water Bottle", Price = 24.00m, ImagePath = "/images/products/3.svg" },
        new() { Id = 4, Name = "Packable Rain Jacket", Price = 119.00m, ImagePath = "/images/products/4.svg" },
        new() { Id = 5, Name = "Headlamp 400 lm", Price = 39.95m, ImagePath = "/images/products/5.svg" },
        new() { Id = 6, Name = "Daypack 22 L", Price = 74.00m, ImagePath = "/images/products/6.svg" },
        new() { Id = 7, Name = "Trekking Poles (pair)", Price = 59.00m, ImagePath = "/images/products/7.svg" },
        new() { Id = 8, Name = "Camp Mug", Price = 12.00m, ImagePath = "/images/products/8.svg" },
        new() { Id = 9, Name = "Sun Hat", Price = 22.50m, ImagePath = "/images/products/9.svg" },
        new() { Id = 10, Name = "First Aid Kit", Price = 29.00m, ImagePath = "/images/products/10.svg" },
        new() { Id = 11, Name = "Compass", Price = 18.75m, ImagePath = "/images/products/11.svg" },
        new() { Id = 12, Name = "Trail Map Set", Price = 9.90m, ImagePath = "/images/products/12.svg" },
    ];
}
