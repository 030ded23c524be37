using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace AspireAuth.Auth.Api.Tests;

/// <summary>
/// Better Auth's own JavaScript client (npm <c>better-auth</c>, <c>tests/js-client</c>) against a
/// real Auth.Api server: the proof that the wire protocol is Better Auth's.
/// </summary>
[Collection(AuthApiCollection.Name)]
public sealed class JavaScriptClientTests(AuthApiFixture fixture) : IClassFixture<AuthApiFixture>, IAsyncLifetime
{
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(1);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => fixture.DisposeAppsAsync();

    [Fact]
    public async Task The_better_auth_client_signs_in_anonymously_links_by_signing_up_and_signs_out()
    {
        var clientDirectory = FindClientDirectory();
        Assert.True(Directory.Exists(Path.Combine(clientDirectory, "node_modules", "better-auth")),
            $"Better Auth's client is not installed in {clientDirectory}/node_modules: run ./test.sh (the README's test command), which installs it with npm ci.");
        var app = fixture.CreateApp();
        var baseAddress = AuthApiFixture.ServeOnLoopback(app);

        var (exitCode, output) = await RunNodeAsync(clientDirectory, "anonymous-link.mjs", baseAddress);

        Assert.True(exitCode == 0, $"anonymous-link.mjs exited with {exitCode}:\n{output}");
        var ids = JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement;
        var anonymousUserId = ids.GetProperty("anonymousUserId").GetString()!;
        var newUserId = ids.GetProperty("newUserId").GetString()!;
        Assert.False(await fixture.UserExistsAsync(anonymousUserId));
        Assert.Equal(newUserId, await fixture.LinkedUserIdAsync(anonymousUserId));
        Assert.Equal(1L, await fixture.OutboxCountAsync(AuthDatabase.AccountLinked, anonymousUserId));
    }

    private static async Task<(int ExitCode, string Output)> RunNodeAsync(string workingDirectory, string script, Uri baseAddress)
    {
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = workingDirectory,
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
            Assert.Fail($"{script} did not finish within {ScriptTimeout}:\n{output}");
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

    private static string FindClientDirectory()
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
