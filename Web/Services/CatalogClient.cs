namespace AspireAuth.Web.Services;

public sealed record Product(int Id, string Name, decimal Price, string ImagePath);

public sealed class CatalogClient(HttpClient http)
{
    public async Task<IReadOnlyList<Product>> GetProductsAsync(CancellationToken cancellationToken) =>
        await http.GetFromJsonAsync<Product[]>("/api/catalog", cancellationToken) ?? [];
}
