using Microsoft.Extensions.DependencyInjection;

namespace AspireAuth.AppHost.Tests;

/// <summary>
/// Starts the real AppHost once for the whole collection, in local mode with a throw-away data
/// folder, and waits (bounded) until every resource reports healthy.
/// </summary>
public sealed class AspireAppFixture : IAsyncLifetime
{
    public static readonly string[] ServiceNames = ["auth-api", "cart-api", "web"];
    public static readonly string[] InfrastructureNames = ["postgres", "authdb", "cartdb", "redis"];

    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), $"aspireauth-test-{Guid.NewGuid():N}");

    public DistributedApplication App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            ["--Infrastructure:Mode=local", $"--Infrastructure:DataDirectory={_dataDirectory}"], timeout.Token);

        // No dashboard runs in tests: without this, each service waits ~10 s at shutdown flushing telemetry to nobody.
        foreach (var project in builder.Resources.OfType<ProjectResource>())
        {
            project.Annotations.Add(new EnvironmentCallbackAnnotation(context =>
                context.EnvironmentVariables.Remove("OTEL_EXPORTER_OTLP_ENDPOINT")));
        }

        builder.Services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler());

        App = await builder.BuildAsync(timeout.Token);
        await App.StartAsync(timeout.Token);
        await Task.WhenAll(InfrastructureNames.Concat(ServiceNames)
            .Select(name => App.ResourceNotifications.WaitForResourceHealthyAsync(name, timeout.Token)));
    }

    public async Task DisposeAsync()
    {
        if (App is not null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }

        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class AspireAppCollection : ICollectionFixture<AspireAppFixture>
{
    public const string Name = "AspireApp";
}
