namespace AspireAuth.AppHost.Tests;

/// <summary>
/// Each launch profile gives Web and Auth.Api one public origin, Web's endpoint of that scheme: under
/// https, Auth.Api's BaseUrl is https, so its cookies are <c>__Secure-</c> and <c>Secure</c>. The app model only; nothing starts.
/// </summary>
public sealed class LaunchProfileTests : IDisposable
{
    private static readonly Type AppHostEntryPoint = typeof(Infrastructure.InfrastructureMode).Assembly.EntryPoint!.DeclaringType!;

    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), $"aspireauth-model-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    [Theory]
    [InlineData("http")]
    [InlineData("https")]
    public async Task Auth_api_and_Web_take_the_public_origin_from_Web_s_endpoint_of_the_profile(string profile)
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync(AppHostEntryPoint,
            [$"--DOTNET_LAUNCH_PROFILE={profile}", "--Infrastructure:Mode=local", $"--Infrastructure:DataDirectory={_dataDirectory}"]);
        var resources = builder.Resources.OfType<ProjectResource>().ToDictionary(resource => resource.Name);

        // The documented way to read a resource's environment in a test; in publish mode endpoints read as {resource.bindings.name.url}.
#pragma warning disable CS0618
        var auth = await resources["auth-api"].GetEnvironmentVariableValuesAsync(DistributedApplicationOperation.Publish);
        var web = await resources["web"].GetEnvironmentVariableValuesAsync(DistributedApplicationOperation.Publish);
#pragma warning restore CS0618

        var origin = $"{{web.bindings.{profile}.url}}";
        Assert.Equal(origin, auth["Auth__BaseUrl"]);
        Assert.Equal(origin, web["Web__PublicOrigin"]);
    }
}
