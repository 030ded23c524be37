using System.Diagnostics;
using System.Text;

namespace AspireAuth.TestSupport;

/// <summary>Runs a script of <c>tests/js-client</c> (Better Auth's own JavaScript client) with node against a base URL.</summary>
public static class NodeScript
{
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(1);

    /// <returns>The exit code and everything the script wrote (stdout and stderr, in order).</returns>
    public static async Task<(int ExitCode, string Output)> RunAsync(string script, Uri baseAddress)
    {
        var clientDirectory = ClientDirectory();
        if (!Directory.Exists(Path.Combine(clientDirectory, "node_modules", "better-auth")))
        {
            throw new InvalidOperationException(
                $"Better Auth's client is not installed in {clientDirectory}/node_modules: run ./test.sh (the README's test command), which installs it with npm ci.");
        }

        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = clientDirectory,
            ArgumentList = { script },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment = { ["AUTH_BASE_URL"] = baseAddress.GetLeftPart(UriPartial.Authority) },
        };
        using var node = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        var output = new StringBuilder();
        var stdout = PumpAsync(node.StandardOutput, output);
        var stderr = PumpAsync(node.StandardError, output);
        using var timeout = new CancellationTokenSource(ScriptTimeout);
        try
        {
            await node.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            node.Kill(entireProcessTree: true);
            await node.WaitForExitAsync(CancellationToken.None);
            await Task.WhenAll(stdout, stderr);
            throw new TimeoutException($"{script} did not finish within {ScriptTimeout}:\n{output}");
        }

        await Task.WhenAll(stdout, stderr);
        return (node.ExitCode, output.ToString());
    }

    private static async Task PumpAsync(StreamReader reader, StringBuilder output)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }

    private static string ClientDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "tests", "js-client");
            if (File.Exists(Path.Combine(candidate, "package.json")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"No tests/js-client above {AppContext.BaseDirectory}.");
    }
}
