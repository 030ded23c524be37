namespace AspireAuth.AppHost.Tests;

/// <summary>
/// One AppHost parameter switches the coherent caches of every service that has one, so no service caches
/// what another does not announce. The app model only; nothing starts.
/// </summary>
public sealed class CachingSwitchTests : IDisposable
{
    private static readonly Type AppHostEntryPoint = typeof(Infrastructure.InfrastructureMode).Assembly.EntryPoint!.DeclaringType!;
    private static readonly string[] CachingServices = ["auth-api", "cart-api"];

    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), $"aspireauth-model-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    [Theory]
    [InlineData(null, "true")]
    [InlineData("false", "false")]
    [InlineData("true", "true")]
    public async Task Every_caching_service_takes_the_one_caching_parameter(string? parameter, string expected)
    {
        string[] args = ["--Infrastructure:Mode=local", $"--Infrastructure:DataDirectory={_dataDirectory}"];
        if (parameter is not null)
        {
            args = [.. args, $"--Parameters:caching-enabled={parameter}"];
        }

        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync(AppHostEntryPoint, args);
        var resources = builder.Resources.OfType<ProjectResource>().ToDictionary(resource => resource.Name);
        var cachingParameter = builder.Resources.OfType<ParameterResource>().Single(resource => resource.Name == "caching-enabled");

        Assert.Equal(expected, await cachingParameter.GetValueAsync(CancellationToken.None));
        foreach (var service in CachingServices)
        {
            // In publish mode a value reads as its expression, so this shows which parameter the service takes.
#pragma warning disable CS0618 // the documented way to read a resource's environment in a test
            var environment = await resources[service].GetEnvironmentVariableValuesAsync(DistributedApplicationOperation.Publish);
#pragma warning restore CS0618
            Assert.True(environment.TryGetValue("Caching__Enabled", out var value), $"{service} gets no Caching__Enabled");
            Assert.Equal("{caching-enabled.value}", value);
        }
    }
}
