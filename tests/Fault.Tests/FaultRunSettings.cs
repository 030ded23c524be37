namespace AspireAuth.Fault.Tests;

/// <summary>
/// The size of a run, from the environment so the bigger run (<c>bench/fault-run.sh</c>) uses the same test:
/// <c>FAULT_GUESTS</c> (default 40), <c>FAULT_SEED</c> (random schedule and workload; default: a fresh seed, printed),
/// <c>FAULT_PARALLELISM</c> (guests shopping at once; default 8), <c>FAULT_REPORT_DIR</c> (where the run's log and
/// every resource's console output are written; default <c>fault-runs/</c> beside the test assembly).
/// </summary>
internal sealed record FaultRunSettings(int Guests, int Seed, int Parallelism, string ReportDirectory)
{
    public static FaultRunSettings FromEnvironment() => new(
        Guests: ReadInt("FAULT_GUESTS") ?? 40,
        Seed: ReadInt("FAULT_SEED") ?? Random.Shared.Next(),
        Parallelism: ReadInt("FAULT_PARALLELISM") ?? 8,
        ReportDirectory: Environment.GetEnvironmentVariable("FAULT_REPORT_DIR") is { Length: > 0 } directory
            ? directory
            : Path.Combine(AppContext.BaseDirectory, "fault-runs"));

    private static int? ReadInt(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? int.Parse(value, System.Globalization.CultureInfo.InvariantCulture)
            : null;
}
