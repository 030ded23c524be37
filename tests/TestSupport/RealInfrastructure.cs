using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using AspireAuth.AppHost.Infrastructure;

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

    /// <summary>Stops a resource (e.g. <c>redis</c>) as the dashboard's Stop button does, and waits until it has exited.</summary>
    public async Task StopAsync(string resourceName)
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        await ExecuteCommandAsync(resourceName, KnownResourceCommands.StopCommand, timeout.Token);
        await _app.ResourceNotifications.WaitForResourceAsync(resourceName,
            resource => KnownResourceStates.TerminalStates.Contains(resource.Snapshot.State?.Text), timeout.Token);
    }

    /// <summary>Starts a resource stopped by <see cref="StopAsync"/> (same port, same data) and waits until it is healthy.</summary>
    public async Task StartAsync(string resourceName)
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        await ExecuteCommandAsync(resourceName, KnownResourceCommands.StartCommand, timeout.Token);
        await _app.ResourceNotifications.WaitForResourceHealthyAsync(resourceName, timeout.Token);
    }

    private async Task ExecuteCommandAsync(string resourceName, string command, CancellationToken cancellationToken)
    {
        var result = await _app.ResourceCommands.ExecuteCommandAsync(resourceName, command, cancellationToken);
        if (!result.Success)
        {
            throw new InvalidOperationException($"{command} on {resourceName} failed: {result.Message}");
        }
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
