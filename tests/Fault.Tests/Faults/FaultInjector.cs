using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AspireAuth.Fault.Tests.Faults;

/// <summary>
/// Carries out <see cref="FaultEvent"/>s against the running AppHost: SIGKILLs the resource's real process
/// (pid from its snapshot), waits until Aspire sees it exit, and starts it again with Aspire's
/// <c>resource-start</c> command (DCP does not restart a killed executable by itself). Faults on one resource
/// run one after another; faults on different resources overlap freely.
/// </summary>
/// <remarks>
/// A process that exits on its own is restarted too (<see cref="RestartAfterUnexpectedExit"/>), the way an
/// operator would, so the rest of the run still measures the other faults; the exit itself stays counted.
/// </remarks>
internal sealed class FaultInjector(DistributedApplication app, ResourceWatch watch, RunLog log)
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(90);

    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new();
    private readonly ConcurrentBag<Task> _restarts = [];

    /// <summary>Waits until the workload reaches the fault's guest, then injects it.</summary>
    public async Task InjectWhenDueAsync(FaultEvent fault, Workload.WorkloadProgress progress, CancellationToken cancellationToken)
    {
        await progress.WhenStartedAsync(fault.AtGuest, cancellationToken);
        await InjectAsync(fault, cancellationToken);
    }

    public async Task InjectAsync(FaultEvent fault, CancellationToken cancellationToken)
    {
        var gate = Gate(fault.Target);
        await gate.WaitAsync(cancellationToken);
        try
        {
            log.Write($"FAULT {fault}");
            await OutageAsync(fault.Target, fault.Downtime, cancellationToken);
            if (fault.AgainDuringStartup && await WaitUntilStartingAsync(fault.Target, cancellationToken))
            {
                await OutageAsync(fault.Target, fault.Downtime, cancellationToken);
            }

            if (fault.DependencyDuringStartup is { } dependency && await WaitUntilStartingAsync(fault.Target, cancellationToken))
            {
                var dependencyGate = Gate(dependency);
                await dependencyGate.WaitAsync(cancellationToken);
                try
                {
                    await OutageAsync(dependency, fault.Downtime, cancellationToken);
                }
                finally
                {
                    dependencyGate.Release();
                }
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Starts a resource that exited on its own, once no fault of the run is busy with it.</summary>
    public void RestartAfterUnexpectedExit(string resource) => _restarts.Add(Task.Run(async () =>
    {
        var gate = Gate(resource);
        await gate.WaitAsync();
        try
        {
            if (ResourceWatch.IsTerminal(watch.StateOf(resource)))
            {
                await StartAsync(resource, CancellationToken.None);
            }
        }
        finally
        {
            gate.Release();
        }
    }));

    /// <summary>Waits for every restart of a resource that exited on its own.</summary>
    public Task RestartsDoneAsync() => Task.WhenAll(_restarts);

    /// <summary>Kill, stay down for <paramref name="downtime"/> (the outage itself, so a wait on the clock), start again.</summary>
    private async Task OutageAsync(string resource, TimeSpan downtime, CancellationToken cancellationToken)
    {
        if (await KillAsync(resource, cancellationToken))
        {
            await Task.Delay(downtime, cancellationToken);
        }

        await StartAsync(resource, cancellationToken);
    }

    private async Task<bool> KillAsync(string resource, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StepTimeout);
        ResourceEvent running;
        try
        {
            running = await app.ResourceNotifications.WaitForResourceAsync(resource,
                e => e.Snapshot.State?.Text == KnownResourceStates.Running && ResourceWatch.PidOf(e.Snapshot) is not null, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            log.Write($"{resource}: not running within {StepTimeout.TotalSeconds} s (state {watch.StateOf(resource)}), nothing to kill");
            return false;
        }

        var pid = ResourceWatch.PidOf(running.Snapshot)!.Value;
        watch.ExpectExit(resource);
        try
        {
            log.Write($"{resource}: SIGKILL {ProcessKiller.Describe(pid)}");
            ProcessKiller.KillTree(pid);
        }
        catch (ArgumentException)
        {
            // The process is already gone: it exited on its own just now, and the watch will say so.
            watch.WithdrawExpectedExit(resource);
            log.Write($"{resource}: pid {pid} already gone");
        }

        try
        {
            await app.ResourceNotifications.WaitForResourceAsync(resource, e => ResourceWatch.IsTerminal(e.Snapshot.State?.Text), timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            log.Write($"{resource}: no exit seen within {StepTimeout.TotalSeconds} s of the kill (state {watch.StateOf(resource)})");
        }

        return true;
    }

    /// <summary>
    /// Starts the resource with Aspire's <c>resource-start</c> once the resources it waits for (<c>WaitFor</c>) are
    /// running and healthy: while one is down, Aspire refuses the start at once ("stopped waiting for dependency"). A start
    /// refused anyway (a dependency killed in between) is tried again, as an operator would.
    /// </summary>
    private async Task StartAsync(string resource, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StepTimeout);
        var dependencies = app.Services.GetRequiredService<DistributedApplicationModel>().Resources
            .Single(candidate => candidate.Name == resource)
            .Annotations.OfType<WaitAnnotation>().Select(wait => wait.Resource.Name).ToList();
        try
        {
            await StartOnceDependenciesRunAsync(resource, dependencies, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The verdict reports it: the resource will not be healthy at the end.
            log.Write($"{resource}: not started within {StepTimeout.TotalSeconds} s (state {watch.StateOf(resource)})");
        }
    }

    private async Task StartOnceDependenciesRunAsync(string resource, IReadOnlyList<string> dependencies, CancellationToken cancellationToken)
    {
        for (var refusals = 0; ; refusals++)
        {
            await Task.WhenAll(dependencies.Select(dependency => app.ResourceNotifications.WaitForResourceAsync(dependency,
                e => e.Snapshot.State?.Text == KnownResourceStates.Running && e.Snapshot.HealthStatus == HealthStatus.Healthy, cancellationToken)));
            var result = await app.ResourceCommands.ExecuteCommandAsync(resource, KnownResourceCommands.StartCommand, cancellationToken);
            if (result.Success)
            {
                log.Write($"{resource}: started{(refusals > 0 ? $" (after {refusals} refused start(s))" : "")}");
                return;
            }

            log.Write($"{resource}: resource-start refused: {result.Message}");
        }
    }

    /// <summary>Waits (bounded) until the resource's new process runs but is not healthy yet: the start-up window.</summary>
    private async Task<bool> WaitUntilStartingAsync(string resource, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StepTimeout);
        ResourceEvent reached;
        try
        {
            reached = await app.ResourceNotifications.WaitForResourceAsync(resource,
                e => (e.Snapshot.State?.Text == KnownResourceStates.Running && ResourceWatch.PidOf(e.Snapshot) is not null)
                    || ResourceWatch.IsTerminal(e.Snapshot.State?.Text),
                timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            log.Write($"{resource}: not running within {StepTimeout.TotalSeconds} s (state {watch.StateOf(resource)}); start-up window missed");
            return false;
        }

        var starting = reached.Snapshot.State?.Text == KnownResourceStates.Running && reached.Snapshot.HealthStatus != HealthStatus.Healthy;
        if (!starting)
        {
            log.Write($"{resource}: start-up window missed (state {reached.Snapshot.State?.Text}, health {reached.Snapshot.HealthStatus})");
        }

        return starting;
    }

    private SemaphoreSlim Gate(string resource) => _gates.GetOrAdd(resource, _ => new SemaphoreSlim(1, 1));
}
