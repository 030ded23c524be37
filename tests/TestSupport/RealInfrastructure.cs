using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using AspireAuth.AppHost.Infrastructure;
using Npgsql;
using StackExchange.Redis;

namespace AspireAuth.TestSupport;

/// <summary>
/// Real PostgreSQL and Redis for integration tests, started by the AppHost's own local-mode
/// infrastructure code (so tests run what the app runs) in a throw-away data folder that is
/// deleted afterwards.
/// </summary>
public sealed class RealInfrastructure : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);

    private readonly DistributedApplication _app;
    private readonly string _dataDirectory;

    private RealInfrastructure(DistributedApplication app, string dataDirectory, IReadOnlyDictionary<string, string> connectionStrings)
    {
        _app = app;
        _dataDirectory = dataDirectory;
        ConnectionStrings = connectionStrings;
    }

    /// <summary>Connection strings by resource name: <c>redis</c> and each database.</summary>
    public IReadOnlyDictionary<string, string> ConnectionStrings { get; }

    public static async Task<RealInfrastructure> StartAsync(params string[] databaseNames)
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), $"aspireauth-it-{Guid.NewGuid():N}");
        using var timeout = new CancellationTokenSource(StartTimeout);
        var builder = DistributedApplicationTestingBuilder.Create(
            "--Infrastructure:Mode=local", $"--Infrastructure:DataDirectory={dataDirectory}");

        var infrastructure = builder.AddInfrastructure();
        var postgres = infrastructure.AddPostgres("postgres");
        var resources = databaseNames.Select(postgres.AddDatabase).Append(infrastructure.AddRedis("redis")).ToList();

        var app = builder.Build();
        await app.StartAsync(timeout.Token);
        var connectionStrings = new Dictionary<string, string>();
        foreach (var resource in resources)
        {
            await app.ResourceNotifications.WaitForResourceHealthyAsync(resource.Resource.Name, timeout.Token);
            connectionStrings[resource.Resource.Name] =
                await resource.Resource.ConnectionStringExpression.GetValueAsync(timeout.Token)
                ?? throw new InvalidOperationException($"No connection string for {resource.Resource.Name}.");
        }

        return new RealInfrastructure(app, dataDirectory, connectionStrings);
    }

    /// <summary>Stops a server (e.g. <c>postgres</c>, <c>redis</c>) the way the dashboard's stop button does, and waits until it has exited.</summary>
    public Task StopServerAsync(string resourceName) => _app.StopResourceAsync(resourceName, StartTimeout);

    /// <summary>Starts a server stopped by <see cref="StopServerAsync"/> again, on the same address, and waits until it is healthy.</summary>
    public Task StartServerAsync(string resourceName) => _app.StartResourceAsync(resourceName, StartTimeout);

    /// <summary>
    /// A fresh start for the next test class: both servers running (a failed test may have left one stopped), every
    /// database dropped and created again (empty; the services migrate it when they start), Redis empty.
    /// </summary>
    public async Task ResetAsync()
    {
        foreach (var server in new[] { "postgres", "redis" })
        {
            if (!_app.ResourceNotifications.TryGetCurrentState(server, out var current)
                || current.Snapshot.State?.Text != KnownResourceStates.Running)
            {
                await StartServerAsync(server);
            }
        }

        var databases = ConnectionStrings.Keys.Where(name => name != "redis").ToList();
        if (databases.Count > 0)
        {
            var server = new NpgsqlConnectionStringBuilder(ConnectionStrings[databases[0]]) { Database = "postgres", Pooling = false }.ConnectionString;
            foreach (var database in databases)
            {
                var quoted = "\"" + database.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
                await Sql.ExecuteAsync(server, $"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)");
                await Sql.ExecuteAsync(server, $"CREATE DATABASE {quoted}");
            }

            // This process's pooled connections went with the dropped databases.
            NpgsqlConnection.ClearAllPools();
        }

        await using var redis = await ConnectionMultiplexer.ConnectAsync(ConnectionStrings["redis"] + ",allowAdmin=true");
        await redis.GetServer(redis.GetEndPoints().Single()).FlushAllDatabasesAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }
}
