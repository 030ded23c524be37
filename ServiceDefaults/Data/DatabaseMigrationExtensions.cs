using AspireAuth.ServiceDefaults.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace AspireAuth.ServiceDefaults.Data;

public static class DatabaseMigrationExtensions
{
    /// <summary>
    /// Applies <typeparamref name="TContext"/>'s committed migrations before the service starts
    /// listening. Replicas starting together serialise on a PostgreSQL advisory lock, so exactly
    /// one applies each migration and the others find nothing left to do. A service started while PostgreSQL is
    /// down waits for it, retrying with backoff until it is stopped, instead of exiting.
    /// </summary>
    public static IServiceCollection AddDatabaseMigration<TContext>(this IServiceCollection services)
        where TContext : DbContext =>
        services.AddResilientLoops().AddHostedService<DatabaseMigrator<TContext>>();

    private sealed class DatabaseMigrator<TContext>(IServiceProvider services, ResilientLoops loops, ILogger<DatabaseMigrator<TContext>> logger)
        : IHostedService where TContext : DbContext
    {
        public Task StartAsync(CancellationToken cancellationToken) =>
            loops.RetryUntilDoneAsync($"migrate-{typeof(TContext).Name}", MigrateAsync, cancellationToken);

        private async Task MigrateAsync(CancellationToken cancellationToken)
        {
            await using var scope = services.CreateAsyncScope();
            var context = scope.ServiceProvider.GetRequiredService<TContext>();
            var lockKey = StableLockKey(typeof(TContext).FullName!);

            await using var lockConnection = new NpgsqlConnection(context.Database.GetConnectionString());
            await lockConnection.OpenAsync(cancellationToken);
            await using (var acquire = new NpgsqlCommand("SELECT pg_advisory_lock($1)", lockConnection))
            {
                acquire.Parameters.Add(new NpgsqlParameter { Value = lockKey });
                await acquire.ExecuteNonQueryAsync(cancellationToken);
            }

            try
            {
                logger.LogInformation("Applying pending migrations of {Context}", typeof(TContext).Name);
                await context.Database.MigrateAsync(cancellationToken);
            }
            finally
            {
                await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", lockConnection);
                release.Parameters.Add(new NpgsqlParameter { Value = lockKey });
                await release.ExecuteNonQueryAsync(CancellationToken.None);
            }
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        // string.GetHashCode is randomised per process; replicas need the same key.
        private static long StableLockKey(string name)
        {
            var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("migrations:" + name));
            return BitConverter.ToInt64(hash, 0);
        }
    }
}
