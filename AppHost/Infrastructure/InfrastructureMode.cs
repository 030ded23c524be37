namespace AspireAuth.AppHost.Infrastructure;

/// <summary>How PostgreSQL and Redis are provided to the services.</summary>
public enum InfrastructureMode
{
    /// <summary>Containers when a container runtime answers, otherwise the machine's own binaries.</summary>
    Auto,

    /// <summary>Aspire's standard PostgreSQL and Redis containers with data volumes.</summary>
    Containers,

    /// <summary>The machine's own <c>postgres</c> and <c>redis-server</c>, run as executables.</summary>
    Local,
}

/// <summary>The <c>Infrastructure</c> configuration section of the AppHost.</summary>
public sealed class InfrastructureOptions
{
    public const string SectionName = "Infrastructure";

    public InfrastructureMode Mode { get; set; } = InfrastructureMode.Auto;

    /// <summary>Where local mode keeps its data; defaults to <see cref="LocalDataDirectory.Default"/>.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>The folder holding <c>initdb</c> and <c>postgres</c>; found automatically when unset.</summary>
    public string? PostgresBinDirectory { get; set; }
}

public sealed record InfrastructureChoice(InfrastructureMode Mode, string Reason);

public sealed class InfrastructureUnavailableException(string message) : Exception(message);

public static class InfrastructureModeSelector
{
    /// <summary>
    /// Decides how to run PostgreSQL and Redis. The container runtime is probed only when the
    /// answer depends on it, because a probe of a dead daemon can take seconds.
    /// </summary>
    public static InfrastructureChoice Choose(
        InfrastructureMode requested,
        Func<ContainerRuntimeStatus> probeContainerRuntime,
        LocalBinaries localBinaries)
    {
        switch (requested)
        {
            case InfrastructureMode.Containers:
                return new(InfrastructureMode.Containers, "requested by configuration (Infrastructure:Mode=containers)");

            case InfrastructureMode.Local:
                return localBinaries.IsComplete
                    ? new(InfrastructureMode.Local, "requested by configuration (Infrastructure:Mode=local)")
                    : throw new InfrastructureUnavailableException(
                        $"Infrastructure:Mode=local needs {localBinaries.DescribeMissing()}. {InstallHint}");
        }

        var runtime = probeContainerRuntime();
        if (runtime.IsHealthy)
        {
            return new(InfrastructureMode.Containers, $"container runtime '{runtime.Name}' answered");
        }

        if (localBinaries.IsComplete)
        {
            return new(InfrastructureMode.Local, $"no healthy container runtime ({runtime.Detail}); using local binaries");
        }

        throw new InfrastructureUnavailableException(
            $"Cannot run PostgreSQL and Redis: no healthy container runtime ({runtime.Detail}) " +
            $"and the local binaries are missing ({localBinaries.DescribeMissing()}). " +
            $"Start Docker or Podman, or {InstallHint}");
    }

    private const string InstallHint =
        "install them: `sudo apt-get install -y postgresql redis-server` (Debian/Ubuntu), " +
        "or point Infrastructure:PostgresBinDirectory at PostgreSQL's bin folder.";
}
