using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace AspireAuth.TestSupport;

/// <summary>
/// Starts the real AppHost (every resource) in local mode with a throw-away data folder, waits
/// (bounded) until every resource reports healthy, and removes everything afterwards. Share one
/// per test collection; derive to adjust the app model (e.g. replicas or settings) or to pass more AppHost arguments.
/// </summary>
public class AspireAppFixture : IAsyncLifetime
{
    // identity-provider: Trailhead ID, which the AppHost adds in run mode, as here (README, "Trailhead ID").
    public static readonly string[] ServiceNames = ["auth-api", "cart-api", "web", "identity-provider"];
    public static readonly string[] InfrastructureNames = ["postgres", "authdb", "cartdb", "redis"];

    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    private static readonly Type AppHostEntryPoint = typeof(AppHost.Infrastructure.InfrastructureMode).Assembly.EntryPoint!.DeclaringType!;

    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), $"aspireauth-app-{Guid.NewGuid():N}");

    private readonly string[] _arguments;
    private readonly bool _dashboard;

    public AspireAppFixture()
        : this([])
    {
    }

    /// <param name="arguments">More AppHost arguments, e.g. <c>--DOTNET_LAUNCH_PROFILE=https</c>.</param>
    protected AspireAppFixture(params string[] arguments)
        : this(dashboard: false, arguments)
    {
    }

    /// <param name="dashboard">Whether the dashboard runs and the services export their telemetry to it, as in the dev loop.</param>
    /// <param name="arguments">More AppHost arguments.</param>
    protected AspireAppFixture(bool dashboard, params string[] arguments)
    {
        _dashboard = dashboard;
        _arguments = arguments;
    }

    public DistributedApplication App { get; private set; } = null!;

    public virtual async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync(AppHostEntryPoint,
            new DistributedApplicationTestingBuilderOptions { EnableDashboard = _dashboard },
            ["--Infrastructure:Mode=local", $"--Infrastructure:DataDirectory={_dataDirectory}", .. SuiteParameters(), .. _arguments], timeout.Token);

        foreach (var project in builder.Resources.OfType<ProjectResource>())
        {
            project.Annotations.Add(new EnvironmentCallbackAnnotation(context =>
            {
                // Unless asked for, no dashboard runs: without this, each service waits ~10 s at shutdown flushing telemetry to nobody.
                if (!_dashboard)
                {
                    context.EnvironmentVariables.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");
                }

                // Tests sign in many times from one address; the rate limit has tests of its own.
                context.EnvironmentVariables["Auth__RateLimit__Enabled"] = "false";
                if (Environment.GetEnvironmentVariable("DEBUG_RESOURCE_LOGS") is not null)
                {
                    context.EnvironmentVariables["Logging__LogLevel__OpenIddict"] = "Debug";
                    context.EnvironmentVariables["Logging__LogLevel__Microsoft.AspNetCore"] = "Debug";
                }
            }));
        }

        ConfigureApp(builder);
        builder.Services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler());

        App = await builder.BuildAsync(timeout.Token);
        await App.StartAsync(timeout.Token);
        if (Environment.GetEnvironmentVariable("DEBUG_RESOURCE_LOGS") is { } logDir)
        {
            var loggers = App.Services.GetRequiredService<ResourceLoggerService>();
            var model = App.Services.GetRequiredService<DistributedApplicationModel>();
            foreach (var resource in model.Resources.Where(r => r.Name is "auth-api" or "identity-provider" or "web"))
            {
                var name = resource.Name;
                _ = Task.Run(async () =>
                {
                    await foreach (var batch in loggers.WatchAsync(resource))
                    {
                        await File.AppendAllLinesAsync(Path.Combine(logDir, name + ".log"), batch.Select(l => l.Content));
                    }
                });
            }
        }
        await Task.WhenAll(InfrastructureNames.Concat(ServiceNames)
            .Select(name => App.ResourceNotifications.WaitForResourceHealthyAsync(name, timeout.Token)));
    }

    /// <summary>
    /// The suite runs under more than one setting (e.g. <c>Caching__Enabled</c> off and on); what the environment sets
    /// for the in-process service tests, the AppHost gets as its parameter, so the distributed tests run the same way.
    /// </summary>
    private static IEnumerable<string> SuiteParameters() =>
        Environment.GetEnvironmentVariable("Caching__Enabled") is { Length: > 0 } caching ? [$"--Parameters:caching-enabled={caching}"] : [];

    /// <summary>Adjusts the app model before it starts.</summary>
    protected virtual void ConfigureApp(IDistributedApplicationTestingBuilder builder)
    {
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
