namespace AspireAuth.AppHost.Tests;

/// <summary>
/// Trailhead ID, the development identity provider, exists under <c>dotnet run</c> only, and Auth.Api and it agree
/// on one client and one issuer; published, neither it nor its seeded passwords nor a social provider exist.
/// The app model only; nothing starts.
/// </summary>
public sealed class TrailheadWiringTests : IDisposable
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

    [Fact]
    public async Task Under_dotnet_run_Auth_api_and_the_identity_provider_share_one_client_and_its_issuer_url()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync(AppHostEntryPoint,
            ["--DOTNET_LAUNCH_PROFILE=http", "--Infrastructure:Mode=local", $"--Infrastructure:DataDirectory={_dataDirectory}"]);
        var resources = builder.Resources.OfType<ProjectResource>().ToDictionary(resource => resource.Name);

        Assert.True(builder.ExecutionContext.IsRunMode);
        var identityProvider = resources["identity-provider"];
        Assert.NotEmpty(identityProvider.Annotations.OfType<HealthCheckAnnotation>());
        // In publish mode a value reads as its expression, so this shows what each service is given.
#pragma warning disable CS0618 // the documented way to read a resource's environment in a test
        var provider = await identityProvider.GetEnvironmentVariableValuesAsync(DistributedApplicationOperation.Publish);
        var auth = await resources["auth-api"].GetEnvironmentVariableValuesAsync(DistributedApplicationOperation.Publish);
        var web = await resources["web"].GetEnvironmentVariableValuesAsync(DistributedApplicationOperation.Publish);
#pragma warning restore CS0618

        Assert.Equal("aspireauth-storefront", provider["Trailhead__Clients__0__ClientId"]);
        Assert.Equal("{trailhead-client-secret.value}", provider["Trailhead__Clients__0__ClientSecret"]);
        Assert.Equal("AspireAuth storefront", provider["Trailhead__Clients__0__DisplayName"]);
        Assert.Equal("{web.bindings.http.url}/api/auth/callback/trailhead", provider["Trailhead__Clients__0__RedirectUris__0"]);

        Assert.Equal("Trailhead ID", auth["Auth__Social__Providers__trailhead__DisplayName"]);
        Assert.Equal("{identity-provider.bindings.http.url}", auth["Auth__Social__Providers__trailhead__Issuer"]);
        Assert.Equal("aspireauth-storefront", auth["Auth__Social__Providers__trailhead__ClientId"]);
        Assert.Equal("{trailhead-client-secret.value}", auth["Auth__Social__Providers__trailhead__ClientSecret"]);
        Assert.Equal("true", auth["Auth__Social__Providers__trailhead__TrustedForLinking"]);
        Assert.Equal("Trailhead ID", web["Web__SocialProviders__trailhead"]);

        // E-mail sign-in must not wait for the identity provider.
        Assert.DoesNotContain(resources["auth-api"].Annotations.OfType<WaitAnnotation>(), wait => wait.Resource == identityProvider);
    }

    [Fact]
    public async Task Published_there_is_no_identity_provider_and_no_social_provider()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync(AppHostEntryPoint,
            ["--operation", "publish", "--publisher", "manifest", "--output-path", Path.Combine(_dataDirectory, "manifest"),
             "--Infrastructure:Mode=local", $"--Infrastructure:DataDirectory={_dataDirectory}"]);

        Assert.True(builder.ExecutionContext.IsPublishMode);
        Assert.DoesNotContain(builder.Resources, resource => resource.Name is "identity-provider" or "trailhead-client-secret");
        var resources = builder.Resources.OfType<ProjectResource>().ToDictionary(resource => resource.Name);
#pragma warning disable CS0618 // the documented way to read a resource's environment in a test
        var auth = await resources["auth-api"].GetEnvironmentVariableValuesAsync(DistributedApplicationOperation.Publish);
        var web = await resources["web"].GetEnvironmentVariableValuesAsync(DistributedApplicationOperation.Publish);
#pragma warning restore CS0618
        Assert.DoesNotContain(auth.Keys, key => key.StartsWith("Auth__Social__", StringComparison.Ordinal));
        Assert.DoesNotContain(web.Keys, key => key.StartsWith("Web__SocialProviders__", StringComparison.Ordinal));
    }
}
