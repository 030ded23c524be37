using AspireAuth.AppHost.Infrastructure;

namespace AspireAuth.UnitTests.Infrastructure;

public sealed class InfrastructureModeSelectorTests
{
    private static readonly LocalBinaries AllBinaries = new("/usr/lib/postgresql/15/bin", "/usr/bin/redis-server");
    private static readonly LocalBinaries NoBinaries = new(null, null);
    private static readonly ContainerRuntimeStatus DockerAnswers = ContainerRuntimeStatus.Healthy("docker");
    private static readonly ContainerRuntimeStatus NoRuntime = ContainerRuntimeStatus.Unavailable("docker: Cannot connect to the Docker daemon");

    [Fact]
    public void Auto_with_a_healthy_runtime_chooses_containers()
    {
        var choice = InfrastructureModeSelector.Choose(InfrastructureMode.Auto, () => DockerAnswers, AllBinaries);

        Assert.Equal(InfrastructureMode.Containers, choice.Mode);
        Assert.Contains("docker", choice.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Auto_without_a_runtime_chooses_local_binaries_and_says_why()
    {
        var choice = InfrastructureModeSelector.Choose(InfrastructureMode.Auto, () => NoRuntime, AllBinaries);

        Assert.Equal(InfrastructureMode.Local, choice.Mode);
        Assert.Contains("Cannot connect to the Docker daemon", choice.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Auto_without_runtime_or_binaries_fails_with_what_to_install()
    {
        var error = Assert.Throws<InfrastructureUnavailableException>(
            () => InfrastructureModeSelector.Choose(InfrastructureMode.Auto, () => NoRuntime, NoBinaries));

        Assert.Contains("apt-get install -y postgresql redis-server", error.Message, StringComparison.Ordinal);
        Assert.Contains("redis-server", error.Message, StringComparison.Ordinal);
        Assert.Contains("initdb", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Local_requested_does_not_probe_the_container_runtime()
    {
        var choice = InfrastructureModeSelector.Choose(InfrastructureMode.Local,
            () => throw new InvalidOperationException("must not probe"), AllBinaries);

        Assert.Equal(InfrastructureMode.Local, choice.Mode);
    }

    [Fact]
    public void Local_requested_with_redis_missing_names_redis()
    {
        var error = Assert.Throws<InfrastructureUnavailableException>(
            () => InfrastructureModeSelector.Choose(InfrastructureMode.Local, () => DockerAnswers, AllBinaries with { RedisServerPath = null }));

        Assert.Contains("redis-server", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("initdb", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Containers_requested_is_honoured_without_binaries()
    {
        var choice = InfrastructureModeSelector.Choose(InfrastructureMode.Containers, () => NoRuntime, NoBinaries);

        Assert.Equal(InfrastructureMode.Containers, choice.Mode);
    }
}
