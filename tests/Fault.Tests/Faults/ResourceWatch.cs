using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;

namespace AspireAuth.Fault.Tests.Faults;

/// <summary>A process that stopped without being killed by the run: which, how, and what it logged last.</summary>
internal sealed record UnexpectedExit(string Resource, string State, int? ExitCode, TimeSpan At, IReadOnlyList<string> Evidence)
{
    public override string ToString() =>
        $"{Resource} {State} (exit code {ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "none"}) at t+{At.TotalSeconds:F1}s"
        + string.Concat(Evidence.Select(line => $"{Environment.NewLine}    | {line}"));
}

/// <summary>
/// Follows every resource for the length of a run: its state, the pid of its process, its console output
/// (kept, and written to <c>{resource}.log</c>), and every exit. Exits the run announced with
/// <see cref="ExpectExit"/> (its own kills) are expected; any other move to Exited, Finished or
/// FailedToStart is an unexpected exit, reported to <c>onUnexpectedExit</c> as it happens — except a start Aspire
/// refuses while the resource still waits for a dependency that is down (no process ran; see <see cref="FaultInjector"/>).
/// </summary>
internal sealed partial class ResourceWatch : IAsyncDisposable
{
    private static readonly string[] TerminalStates = [KnownResourceStates.Exited, KnownResourceStates.Finished, KnownResourceStates.FailedToStart];

    private readonly DistributedApplication _app;
    private readonly RunLog _log;
    private readonly Action<UnexpectedExit> _onUnexpectedExit;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, string?> _states = new();
    private readonly ConcurrentDictionary<string, int> _expectedExits = new();
    private readonly ConcurrentDictionary<(string Resource, int Pid), byte> _exitedPids = new();
    private readonly ConcurrentDictionary<string, ConsoleOutput> _consoles = new();
    private readonly ConcurrentQueue<(string Resource, string State, int? ExitCode, TimeSpan At, int LogLine)> _unexpected = new();
    private readonly Task _watching;

    public ResourceWatch(DistributedApplication app, RunLog log, Action<UnexpectedExit> onUnexpectedExit)
    {
        _app = app;
        _log = log;
        _onUnexpectedExit = onUnexpectedExit;
        _watching = WatchStatesAsync(_stop.Token);
    }

    public static bool IsTerminal(string? state) => state is not null && TerminalStates.Contains(state);

    /// <summary>The unexpected exits so far, each with the console lines around it.</summary>
    public IReadOnlyList<UnexpectedExit> UnexpectedExits =>
        [.. _unexpected.Select(exit => new UnexpectedExit(exit.Resource, exit.State, exit.ExitCode, exit.At, Evidence(exit.Resource, exit.LogLine)))];

    /// <summary>The next exit of <paramref name="resource"/> is the run's own doing.</summary>
    public void ExpectExit(string resource) => _expectedExits.AddOrUpdate(resource, 1, (_, count) => count + 1);

    /// <summary>Withdraws an expectation that did not come true (the kill found no process to kill).</summary>
    public void WithdrawExpectedExit(string resource) => _expectedExits.AddOrUpdate(resource, 0, (_, count) => Math.Max(0, count - 1));

    public string? StateOf(string resource) => _states.GetValueOrDefault(resource);

    public static int? PidOf(CustomResourceSnapshot snapshot) =>
        snapshot.Properties.FirstOrDefault(property => property.Name == "executable.pid")?.Value is { } pid
            ? Convert.ToInt32(pid, CultureInfo.InvariantCulture)
            : null;

    private async Task WatchStatesAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var resourceEvent in _app.ResourceNotifications.WatchAsync(cancellationToken))
            {
                var name = resourceEvent.Resource.Name;
                _consoles.GetOrAdd(name, _ => new ConsoleOutput(_app, resourceEvent.Resource, _log.Directory, cancellationToken));
                var snapshot = resourceEvent.Snapshot;
                var state = snapshot.State?.Text;
                var previous = _states.GetValueOrDefault(name);
                _states[name] = state;
                if (state == previous || string.IsNullOrEmpty(state))
                {
                    continue;
                }

                if (!IsTerminal(state) || IsTerminal(previous))
                {
                    _log.Write($"{name}: {state}{(PidOf(snapshot) is { } pid ? $" (pid {pid})" : "")}");
                    continue;
                }

                // While a new process starts, Aspire may report the exit of the one before it again (same pid).
                if (PidOf(snapshot) is { } exitedPid && !_exitedPids.TryAdd((name, exitedPid), 0))
                {
                    _log.Write($"{name}: {state} of pid {exitedPid} reported again (one exit, counted once)");
                    continue;
                }

                if (previous == KnownResourceStates.Waiting)
                {
                    // No process ran: Aspire refused the start because a WaitFor dependency is down (the injector retries).
                    _log.Write($"{name}: {state} while waiting for a dependency (start refused by the AppHost)");
                    continue;
                }

                if (TryConsumeExpectedExit(name))
                {
                    _log.Write($"{name}: {state}, exit code {snapshot.ExitCode} (killed by the run)");
                    continue;
                }

                var console = _consoles[name];
                _unexpected.Enqueue((name, state, snapshot.ExitCode, _log.Elapsed, console.LineCount));
                _log.Write($"{name}: {state}, exit code {snapshot.ExitCode} — UNEXPECTED EXIT (not killed by the run)");
                _onUnexpectedExit(new UnexpectedExit(name, state, snapshot.ExitCode, _log.Elapsed, []));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private bool TryConsumeExpectedExit(string resource)
    {
        while (_expectedExits.TryGetValue(resource, out var count) && count > 0)
        {
            if (_expectedExits.TryUpdate(resource, count - 1, count))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The last errors a resource logged before it exited (each <c>fail:</c>/<c>crit:</c> entry's first lines, no
    /// stack frames): what it died of, e.g. "BackgroundService failed" and the exception.
    /// </summary>
    private IReadOnlyList<string> Evidence(string resource, int exitLine)
    {
        var lines = _consoles[resource].Lines;
        var window = lines.Take(Math.Min(lines.Count, exitLine + 60)).Skip(Math.Max(0, exitLine - 400)).ToList();
        var entries = window
            .Select((line, index) => (line, index))
            .Where(entry => entry.line.Contains(" fail: ", StringComparison.Ordinal) || entry.line.Contains(" crit: ", StringComparison.Ordinal))
            .TakeLast(3)
            .Select(entry => window.Skip(entry.index).Take(5).TakeWhile(line => !line.Contains(" at ", StringComparison.Ordinal)));
        return [.. entries.SelectMany(entry => entry)];
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _watching;
        foreach (var console in _consoles.Values)
        {
            await console.DisposeAsync();
        }

        _stop.Dispose();
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\x1b\[[0-9;]*m")]
    private static partial System.Text.RegularExpressions.Regex AnsiEscape();

    /// <summary>One resource's console output (colour codes removed), kept in memory and copied to a file.</summary>
    private sealed class ConsoleOutput : IAsyncDisposable
    {
        private readonly Lock _gate = new();
        private readonly List<string> _lines = [];
        private readonly StreamWriter _file;
        private readonly Task _reading;

        public ConsoleOutput(DistributedApplication app, IResource resource, string directory, CancellationToken cancellationToken)
        {
            _file = new StreamWriter(Path.Combine(directory, $"{resource.Name}.log")) { AutoFlush = true };
            _reading = ReadAsync(app.Services.GetRequiredService<ResourceLoggerService>(), resource, cancellationToken);
        }

        public int LineCount
        {
            get
            {
                lock (_gate)
                {
                    return _lines.Count;
                }
            }
        }

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_gate)
                {
                    return [.. _lines];
                }
            }
        }

        private async Task ReadAsync(ResourceLoggerService logs, IResource resource, CancellationToken cancellationToken)
        {
            try
            {
                await foreach (var batch in logs.WatchAsync(resource).WithCancellation(cancellationToken))
                {
                    lock (_gate)
                    {
                        foreach (var line in batch)
                        {
                            var content = AnsiEscape().Replace(line.Content, "");
                            _lines.Add(content);
                            _file.WriteLine(content);
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _reading;
            lock (_gate)
            {
                _file.Dispose();
            }
        }
    }
}
