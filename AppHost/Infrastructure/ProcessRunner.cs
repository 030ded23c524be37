using System.Diagnostics;

namespace AspireAuth.AppHost.Infrastructure;

internal static class ProcessRunner
{
    /// <summary>Runs a program to completion and throws with its output when it fails.</summary>
    public static async Task RunAsync(string fileName, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(fileName, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };

        using var process = Process.Start(startInfo)
            ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{fileName} {string.Join(' ', startInfo.ArgumentList)} failed with exit code {process.ExitCode}:\n{await stderr}\n{await stdout}");
        }
    }

    /// <summary>Runs as the given account when this process is root (which PostgreSQL refuses).</summary>
    public static (string FileName, string[] Arguments) AsUnprivileged(string fileName, params string[] arguments) =>
        ProcessUser.IsRoot
            ? ("setpriv", [$"--reuid={ProcessUser.PostgresAccount}", $"--regid={ProcessUser.PostgresAccount}", "--init-groups", fileName, .. arguments])
            : (fileName, arguments);
}
