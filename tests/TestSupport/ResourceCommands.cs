using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace AspireAuth.TestSupport;

/// <summary>Stops and starts a resource of a running app the way the dashboard's buttons do, waiting (bounded) for the outcome.</summary>
public static class ResourceCommands
{
    /// <summary>Stops <paramref name="resourceName"/> and waits until it has exited.</summary>
    public static async Task StopResourceAsync(this DistributedApplication app, string resourceName, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var result = await app.ResourceCommands.ExecuteCommandAsync(resourceName, KnownResourceCommands.StopCommand, deadline.Token);
        if (!result.Success)
        {
            throw new InvalidOperationException($"Stopping {resourceName} failed: {result.Message}");
        }

        await app.ResourceNotifications.WaitForResourceAsync(resourceName,
            update => KnownResourceStates.TerminalStates.Contains(update.Snapshot.State?.Text), deadline.Token);
    }

    /// <summary>Starts a stopped <paramref name="resourceName"/> again, on the same address, and waits until it is healthy.</summary>
    public static async Task StartResourceAsync(this DistributedApplication app, string resourceName, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var result = await app.ResourceCommands.ExecuteCommandAsync(resourceName, KnownResourceCommands.StartCommand, deadline.Token);
        if (!result.Success)
        {
            throw new InvalidOperationException($"Starting {resourceName} failed: {result.Message}");
        }

        // Until the new process runs, the snapshot still says the old one exited, which a health wait takes for a failed start.
        await app.ResourceNotifications.WaitForResourceAsync(resourceName,
            update => update.Snapshot.State?.Text == KnownResourceStates.Running, deadline.Token);
        await app.ResourceNotifications.WaitForResourceHealthyAsync(resourceName, deadline.Token);
    }
}
