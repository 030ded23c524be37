using System.Diagnostics;

namespace AspireAuth.Fault.Tests;

/// <summary>One run's timeline (kills, starts, exits, give-ups), timestamped from the run's start and written to a file as it happens.</summary>
internal sealed class RunLog : IDisposable
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private readonly List<string> _lines = [];
    private readonly StreamWriter _file;

    public RunLog(string directory)
    {
        System.IO.Directory.CreateDirectory(directory);
        Directory = directory;
        _file = new StreamWriter(Path.Combine(directory, "run.log")) { AutoFlush = true };
    }

    /// <summary>Where this run's files go: <c>run.log</c>, <c>summary.txt</c> and one console log per resource.</summary>
    public string Directory { get; }

    public TimeSpan Elapsed => _clock.Elapsed;

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

    public void Write(string message)
    {
        var line = $"t+{_clock.Elapsed.TotalSeconds,6:F1}s {message}";
        lock (_gate)
        {
            _lines.Add(line);
            _file.WriteLine(line);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _file.Dispose();
        }
    }
}
