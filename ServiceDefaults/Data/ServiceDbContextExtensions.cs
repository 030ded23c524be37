using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;

namespace AspireAuth.ServiceDefaults.Data;

public static class ServiceDbContextExtensions
{
    /// <summary>
    /// Registers <typeparamref name="TContext"/> on the PostgreSQL database <paramref name="connectionName"/> (Aspire's:
    /// health check, metrics, traces) with the services' pool settings (<see cref="NpgsqlConnectionStrings"/>), and applies
    /// its migrations at start (<see cref="DatabaseMigrationExtensions.AddDatabaseMigration{TContext}"/>).
    /// </summary>
    public static IHostApplicationBuilder AddServiceDbContext<TContext>(this IHostApplicationBuilder builder, string connectionName)
        where TContext : DbContext
    {
        builder.AddNpgsqlDbContext<TContext>(connectionName, settings =>
        {
            // The services commit in explicit transactions (a link with its outbox row, a cart change with its inbox
            // row), which a retrying execution strategy would refuse.
            settings.DisableRetry = true;
            settings.ConnectionString = NpgsqlConnectionStrings.WithServicePoolSettings(settings.ConnectionString);
        });
        builder.Services.AddDatabaseMigration<TContext>();
        return builder;
    }
}
