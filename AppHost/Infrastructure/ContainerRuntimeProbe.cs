using System.Diagnostics;

namespace AspireAuth.AppHost.Infrastructure;

public sealed record ContainerRuntimeStatus(bool IsHealthy, string? Name, string Detail)
{
    public static ContainerRuntimeStatus Healthy(string name) => new(true, name, $"{name} answered");

    public static ContainerRuntimeStatus Unavailable(string detail) => new(false, null, detail);
}

/// <summary>
/// Asks Docker, then Podman, whether its engine answers. A CLI without a daemon is common
/// (and is this project's CI), and Aspire would then wait forever on container resources.
/// </summary>
public static class ContainerRuntimeProbe
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(10);

    public static ContainerRuntimeStatus Probe()
    {
        var findings = new List<string>();
        foreach (var runtime in new[] { "docker", "podman" })
        {
            var (answered, detail) = AskEngine(runtime);
            if (answered)
            {
                return ContainerRuntimeStatus.Healthy(runtime);
            }

            findings.Add($"{runtime}: {detail}");
        }

        return ContainerRuntimeStatus.Unavailable(string.Join("; ", findings));
    }

    private static (bool Answered, string Detail) AskEngine(string runtime)
    {
        var startInfo = new ProcessStartInfo(runtime, ["info", "--format", "{{json .}}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };

        Process? process;
        try
        {
            process = Process.Start(startInfo);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return (false, "not installed");
        }

        if (process is null)
        {
            return (false, "could not be started");
        }

        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            _ = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(ProbeTimeout))
            {
                process.Kill(entireProcessTree: true);
                return (false, $"no answer within {ProbeTimeout.TotalSeconds:0} s");
            }

            return process.ExitCode == 0
                ? (true, "answered")
                : (false, FirstLine(stderr.Result) ?? $"exit code {process.ExitCode}");
        }
    }

    private static string? FirstLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
}
