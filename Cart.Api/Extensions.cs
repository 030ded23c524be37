using AspireAuth.Cart.Api.Data;
using AspireAuth.Shared.Persistence;

namespace AspireAuth.Cart.Api;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        // Cart changes and inbox rows commit together in explicit transactions.
        builder.AddNpgsqlDbContext<CartDbContext>("cartdb", settings => settings.DisableRetry = true);
        builder.AddRedisClient("redis");
        builder.Services.AddDatabaseMigration<CartDbContext>();
    }
}
