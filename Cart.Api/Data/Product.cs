namespace AspireAuth.Cart.Api.Data;

public sealed class Product
{
    public int Id { get; init; }

    public required string Name { get; init; }

    public decimal Price { get; init; }

    /// <summary>Path of the product image, served by Web.</summary>
    public required string ImagePath { get; init; }
}
