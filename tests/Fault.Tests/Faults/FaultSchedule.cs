namespace AspireAuth.Fault.Tests.Faults;

/// <summary>
/// One fault: when guest number <see cref="AtGuest"/> starts shopping, <see cref="Target"/> is SIGKILLed,
/// stays down for <see cref="Downtime"/>, and is started again. Optionally, while it is starting up (running,
/// not yet healthy), it is killed once more (<see cref="AgainDuringStartup"/>), or one of its dependencies is
/// (<see cref="DependencyDuringStartup"/>), for as long again.
/// </summary>
/// <remarks>Faults are tied to the workload's progress rather than the clock, so they land mid-run on any machine.</remarks>
internal sealed record FaultEvent(
    int AtGuest, string Target, TimeSpan Downtime, bool AgainDuringStartup = false, string? DependencyDuringStartup = null)
{
    public override string ToString()
    {
        var twist = AgainDuringStartup ? ", killed again during start-up"
            : DependencyDuringStartup is { } dependency ? $", {dependency} killed during its start-up"
            : "";
        return $"at guest {AtGuest}: kill {Target}, down {Downtime.TotalSeconds:F1} s{twist}";
    }
}

/// <summary>The faults of one run: the fixed schedule (every kind of fault, overlaps included) or a seeded random one.</summary>
internal sealed record FaultSchedule(string Name, IReadOnlyList<FaultEvent> Events)
{
    public const string CartApi = "cart-api";
    public const string AuthApi = "auth-api";
    public const string Redis = "redis";
    public const string Postgres = "postgres";

    private static readonly string[] Targets = [CartApi, AuthApi, Redis, Postgres];
    private static readonly string[] Services = [CartApi, AuthApi];
    private static readonly string[] Infrastructure = [Redis, Postgres];

    /// <summary>
    /// Each process killed alone, each killed again while starting up, a dependency killed while a service
    /// starts (migrations, stream subscriptions), and kills that overlap: PostgreSQL while Auth.Api restarts,
    /// Redis and Cart.Api together. Placed at fractions of the run so any N gets all of them.
    /// </summary>
    public static FaultSchedule Fixed(int guests)
    {
        FaultEvent At(double fraction, string target, double downSeconds, bool again = false, string? dependency = null) =>
            new((int)(guests * fraction), target, TimeSpan.FromSeconds(downSeconds), again, dependency);

        return new("fixed",
        [
            At(0.08, CartApi, 1.0),
            At(0.16, AuthApi, 1.0),
            At(0.24, Redis, 1.0),
            At(0.32, Postgres, 2.0),
            At(0.42, AuthApi, 0.5, again: true),
            At(0.44, Postgres, 1.5),
            At(0.56, CartApi, 0.5, dependency: Redis),
            At(0.68, Redis, 0.5),
            At(0.69, CartApi, 1.0),
            At(0.78, AuthApi, 0.5, dependency: Postgres),
            At(0.88, Postgres, 1.0, again: true),
        ]);
    }

    /// <summary>About one fault per ten guests (4 to 100), each at a random point of the run, on a random target.</summary>
    public static FaultSchedule Random(int guests, int seed)
    {
        var random = new Random(seed);
        var count = Math.Clamp(guests / 10, 4, 100);
        var events = Enumerable.Range(0, count).Select(_ =>
        {
            var target = Targets[random.Next(Targets.Length)];
            var twist = random.NextDouble();
            return new FaultEvent(
                AtGuest: random.Next(guests / 20, Math.Max(guests / 20 + 1, guests * 9 / 10)),
                Target: target,
                Downtime: TimeSpan.FromMilliseconds(random.Next(200, 3000)),
                AgainDuringStartup: twist < 0.25,
                DependencyDuringStartup: twist >= 0.25 && twist < 0.45 && Services.Contains(target)
                    ? Infrastructure[random.Next(Infrastructure.Length)]
                    : null);
        });
        return new($"random (seed {seed})", [.. events.OrderBy(fault => fault.AtGuest)]);
    }
}
