using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace AspireAuth.AppHost.Tests;

/// <summary>
/// The manifest `dotnet run --project AppHost -- --publisher manifest` writes is fit to deploy whatever the
/// publishing machine has: containers of the majors local mode runs, every secret and every deployment-specific
/// setting a parameter, no development-only resource. Published in-process; nothing starts, no Docker needed.
/// </summary>
public sealed partial class PublishManifestTests : IDisposable
{
    private static readonly Type AppHostEntryPoint = typeof(Infrastructure.InfrastructureMode).Assembly.EntryPoint!.DeclaringType!;

    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"aspireauth-publish-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Theory]
    // Whatever local mode would choose: publishing must not depend on it.
    [InlineData("local")]
    [InlineData("auto")]
    public async Task The_manifest_runs_containers_and_takes_every_secret_and_deployment_setting_as_a_parameter(string mode)
    {
        var resources = await PublishAsync(mode);

        Assert.DoesNotContain(resources, resource => Type(resource.Value).StartsWith("executable", StringComparison.Ordinal));
        Assert.DoesNotContain(resources.Keys, name => name is "identity-provider" or "trailhead-client-secret");
        Assert.DoesNotContain(resources.Keys, name => name.StartsWith("trailhead", StringComparison.Ordinal));
        Assert.StartsWith("container.", Type(resources["postgres"]), StringComparison.Ordinal);
        Assert.StartsWith("container.", Type(resources["redis"]), StringComparison.Ordinal);
        Assert.Matches(@"(^|/)postgres:15(\.|$)", Image(resources["postgres"]));
        Assert.Matches(@"(^|/)redis:7(\.|$)", Image(resources["redis"]));

        var auth = Environment(resources["auth-api"]);
        var cart = Environment(resources["cart-api"]);
        var web = Environment(resources["web"]);

        foreach (var (name, environment) in new[] { ("auth-api", auth), ("cart-api", cart) })
        {
            Assert.True(environment.ContainsKey("Auth__Secret"), $"{name} gets no Auth__Secret");
            Assert.True(environment.ContainsKey("ConnectionStrings__redis"), $"{name} gets no ConnectionStrings__redis");
            Assert.Equal("{auth-secret.value}", environment["Auth__Secret"]);
        }

        Assert.True(auth.ContainsKey("ConnectionStrings__authdb"), "auth-api gets no ConnectionStrings__authdb");
        Assert.True(cart.ContainsKey("ConnectionStrings__cartdb"), "cart-api gets no ConnectionStrings__cartdb");
        Assert.Equal("{public-origin.value}", auth["Auth__BaseUrl"]);
        Assert.Equal("{public-origin.value}", web["Web__PublicOrigin"]);
        Assert.Equal("{auth-trusted-proxies.value}", Assert.Single(auth, entry => entry.Key.StartsWith("Auth__RateLimit__TrustedProxies", StringComparison.Ordinal)).Value);
        Assert.True(web.ContainsKey("services__auth-api__http__0"), "web cannot find auth-api");
        Assert.True(web.ContainsKey("services__cart-api__http__0"), "web cannot find cart-api");

        // The deployment's own values: secrets without a value (generated or set at deploy time), the public origin
        // without a default (only the operator knows it), and no proxy believed until one is named.
        Assert.True(Parameter(resources["auth-secret"]).Secret);
        Assert.True(Parameter(resources["postgres-password"]).Secret);
        Assert.True(Parameter(resources["redis-password"]).Secret);
        Assert.Null(Parameter(resources["public-origin"]).Default);
        Assert.Equal("", Parameter(resources["auth-trusted-proxies"]).Default);

        // No literal secret anywhere: a password in a connection string or an environment value is a parameter reference.
        foreach (var (name, resource) in resources)
        {
            var environment = Environment(resource);
            foreach (var (key, value) in environment.Where(entry => SecretName().IsMatch(entry.Key)))
            {
                Assert.True(Reference().IsMatch(value), $"{name}: {key} is not a parameter reference");
            }

            foreach (var value in environment.Values
                .Concat(resource?["connectionString"] is { } connectionString ? [connectionString.GetValue<string>()] : []))
            {
                foreach (Match password in PasswordSetting().Matches(value))
                {
                    // A reference, possibly followed by further references (e.g. Redis's TLS option), never a literal.
                    Assert.True(References().IsMatch(password.Groups["value"].Value), $"{name}: a literal password in {value}");
                }
            }
        }

        // The operator endpoints: each service's own internal endpoint, never external, no client referring to it,
        // guarded by the generated admin secret (README, "Operator commands").
        Assert.True(Parameter(resources["admin-secret"]).Secret);
        foreach (var (name, environment) in new[] { ("auth-api", auth), ("cart-api", cart) })
        {
            var admin = resources[name]!["bindings"]?["admin"];
            Assert.True(admin is not null, $"{name} has no admin endpoint");
            Assert.False(admin["external"]?.GetValue<bool>() ?? false, $"{name}'s admin endpoint is external");
            Assert.Equal("{admin-secret.value}", environment["Admin__Secret"]);
            Assert.Equal($"{{{name}.bindings.admin.targetPort}}", environment["Admin__Port"]);
            Assert.DoesNotContain(web.Keys, key => key.StartsWith($"services__{name}__admin", StringComparison.Ordinal));
        }

        Assert.Contains("{postgres-password.value}", resources["postgres"]!["connectionString"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("{redis-password.value}", resources["redis"]!["connectionString"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_published_project_samples_a_share_of_its_traces_not_every_one()
    {
        var resources = await PublishAsync("local");

        var projects = resources.Where(resource => Type(resource.Value).StartsWith("project.", StringComparison.Ordinal)).ToList();
        Assert.Equal(["auth-api", "cart-api", "web"], projects.Select(project => project.Key).Order(StringComparer.Ordinal));
        foreach (var (name, project) in projects)
        {
            // The standard variables the OpenTelemetry SDK reads, each a parameter whose default is the production sampler.
            var environment = Environment(project);
            Assert.True(environment.TryGetValue("OTEL_TRACES_SAMPLER", out var sampler), $"{name} gets no OTEL_TRACES_SAMPLER");
            Assert.True(environment.TryGetValue("OTEL_TRACES_SAMPLER_ARG", out var argument), $"{name} gets no OTEL_TRACES_SAMPLER_ARG");
            Assert.Equal("{otel-traces-sampler.value}", sampler);
            Assert.Equal("{otel-traces-sampler-arg.value}", argument);
        }

        var (samplerSecret, samplerDefault) = Parameter(resources["otel-traces-sampler"]);
        var (argumentSecret, argumentDefault) = Parameter(resources["otel-traces-sampler-arg"]);
        Assert.False(samplerSecret || argumentSecret);
        // Not always_on (nor parentbased_always_on, which keeps every root trace): a caller's decision, else one in ten.
        Assert.Equal("parentbased_traceidratio", samplerDefault);
        Assert.Equal("0.1", argumentDefault);
    }

    private async Task<Dictionary<string, JsonNode?>> PublishAsync(string mode)
    {
        var manifestPath = Path.Combine(_directory, "manifest.json");
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync(AppHostEntryPoint,
            ["--publisher", "manifest", "--output-path", manifestPath,
             $"--Infrastructure:Mode={mode}", $"--Infrastructure:DataDirectory={Path.Combine(_directory, "data")}"]);
        Assert.True(builder.ExecutionContext.IsPublishMode);

        await using var app = await builder.BuildAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        // Publishing, the app writes the manifest and stops by itself.
        await app.RunAsync(timeout.Token);

        Assert.True(File.Exists(manifestPath), $"no manifest at {manifestPath}");
        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(manifestPath, timeout.Token))!;
        return manifest["resources"]!.AsObject().ToDictionary(entry => entry.Key, entry => entry.Value);
    }

    private static string Type(JsonNode? resource) => resource!["type"]!.GetValue<string>();

    private static string Image(JsonNode? resource) => resource!["image"]!.GetValue<string>();

    private static Dictionary<string, string> Environment(JsonNode? resource) =>
        resource?["env"]?.AsObject().ToDictionary(entry => entry.Key, entry => entry.Value!.GetValue<string>()) ?? [];

    private static (bool Secret, string? Default) Parameter(JsonNode? resource)
    {
        Assert.StartsWith("parameter.", Type(resource), StringComparison.Ordinal);
        var input = resource!["inputs"]!["value"]!;
        return (input["secret"]?.GetValue<bool>() ?? false, input["default"]?["value"]?.GetValue<string>());
    }

    // Password=… in a connection string, or the user information of a URI (scheme://user:password@host).
    [GeneratedRegex(@"(?i)(password|pwd)=(?<value>[^;,]*)|://[^:/@]*:(?<value>[^/@]*)@")]
    private static partial Regex PasswordSetting();

    [GeneratedRegex(@"(?i)password|secret")]
    private static partial Regex SecretName();

    [GeneratedRegex(@"^\{[A-Za-z0-9-]+\.value\}$")]
    private static partial Regex Reference();

    [GeneratedRegex(@"^(\{[A-Za-z0-9.-]+\})+$")]
    private static partial Regex References();
}
