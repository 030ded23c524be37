using AspireAuth.Fault.Tests.Faults;
using AspireAuth.Fault.Tests.Verification;
using AspireAuth.Fault.Tests.Workload;

namespace AspireAuth.Fault.Tests;

/// <summary>
/// One fault run against a running AppHost: the guests' workload and the schedule's faults at once, then the
/// verdict. Everything it saw is written to a folder under <see cref="FaultRunSettings.ReportDirectory"/>.
/// </summary>
internal static class FaultRun
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(30);

    public static async Task<FaultRunResult> ExecuteAsync(DistributedApplication app, FaultRunSettings settings, FaultSchedule schedule, string name)
    {
        using var log = new RunLog(Path.Combine(settings.ReportDirectory, $"{name}-{DateTime.UtcNow:yyyyMMdd-HHmmss}"));
        log.Write($"{settings.Guests} guests, {settings.Parallelism} at once, schedule {schedule.Name}; FAULT_SEED={settings.Seed} repeats this run");
        foreach (var fault in schedule.Events)
        {
            log.Write($"planned: {fault}");
        }

        using var stop = new CancellationTokenSource(RunTimeout);
        FaultInjector? injector = null;
        await using var watch = new ResourceWatch(app, log, exit => injector?.RestartAfterUnexpectedExit(exit.Resource));
        injector = new FaultInjector(app, watch, log);
        using var http = StoreEndpoints.CreateClient();
        var store = StoreEndpoints.Of(app);
        var ledger = new CartLedger();
        var progress = new WorkloadProgress();

        var faults = schedule.Events.Select(fault => injector.InjectWhenDueAsync(fault, progress, stop.Token)).ToList();
        await new GuestWorkload(store, http, ledger, progress, log)
            .RunAsync(GuestPlan.CreateAll(settings.Guests, settings.Seed), settings.Parallelism, stop.Token);
        await Task.WhenAll(faults);
        await injector.RestartsDoneAsync();
        log.Write("faults done; waiting for the pipeline to drain");

        var result = await new RunVerifier(app, store, http, log).VerifyAsync(ledger, watch, stop.Token);
        log.Write(result.Summary.ToString());
        var report = $"""
            {result.Summary}
            schedule {schedule.Name}, {settings.Guests} guests, seed {settings.Seed}, {log.Elapsed.TotalSeconds:F0} s, files in {log.Directory}
            {result.Report}
            Timeline:
            {string.Join(Environment.NewLine, log.Lines)}
            """;
        await File.WriteAllTextAsync(Path.Combine(log.Directory, "summary.txt"), report, CancellationToken.None);
        return result with { Report = report };
    }
}
