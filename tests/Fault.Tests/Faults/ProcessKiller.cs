using System.Diagnostics;

namespace AspireAuth.Fault.Tests.Faults;

/// <summary>
/// SIGKILLs a resource's process and every process under it, as a crash of the whole service would:
/// PostgreSQL's backends die with the postmaster, and a project's app dies with the launcher DCP started.
/// </summary>
internal static class ProcessKiller
{
    /// <summary>Kills the tree rooted at <paramref name="pid"/>; throws <see cref="ArgumentException"/> when no such process runs.</summary>
    public static void KillTree(int pid)
    {
        using var process = Process.GetProcessById(pid);
        // On Linux, Process.Kill sends SIGKILL, to each process of the tree.
        process.Kill(entireProcessTree: true);
    }

    /// <summary>The pid and command line, for the run log.</summary>
    public static string Describe(int pid)
    {
        try
        {
            var commandLine = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
            return $"pid {pid} ({(commandLine.Length > 100 ? commandLine[..100] + "…" : commandLine)})";
        }
        catch (IOException)
        {
            return $"pid {pid}";
        }
    }
}
