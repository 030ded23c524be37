using AspireAuth.Auth.Api.Data;
using AspireAuth.Shared.Persistence;

namespace AspireAuth.Auth.Api;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        // Linking needs explicit transactions, which a retrying execution strategy would refuse.
        builder.AddNpgsqlDbContext<AuthDbContext>("authdb", settings => settings.DisableRetry = true);
        builder.AddRedisClient("redis");
        builder.Services.AddDatabaseMigration<AuthDbContext>();
    }

    public static void MapAuthApi(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth");
        auth.MapGet("/ok", () => TypedResults.Ok(new { ok = true }));
    }
}
